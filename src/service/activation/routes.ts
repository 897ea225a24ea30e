import { Type } from '@sinclair/typebox';
import {
  ActivationAnswer,
  ActivationRequest,
  LicenseState,
  LicenseStateRequest,
  OfflineRequest,
} from '../../contract/activation.js';
import { problemResponses } from '../../contract/common.js';
import { SigningKeys } from '../../contract/signing-keys.js';
import { CertificateSchema } from '../../domain/certificate.js';
import { BEARER, requirePrincipal } from '../http/authenticate.js';
import { unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { licenseState } from './license-state.js';
import { activate, activateOffline, refresh } from './operations.js';

const tags = ['activation'];

export const activationRoutes: RouteModule = (app, ctx) => {
  app.addSchema(CertificateSchema);

  app.get(
    '/v1/signing-keys',
    {
      schema: {
        tags,
        summary: 'The vendor public keys that sign license certificates, for agents to pin',
        response: {
          200: SigningKeys,
        },
      },
    },
    async () => ({
      keys: [{ kid: ctx.vendor.kid, alg: 'Ed25519' as const, publicKeyPem: ctx.vendor.publicKeyPem }],
    }),
  );

  app.get(
    '/v1/signing-keys/vendor.pem',
    {
      schema: {
        tags,
        summary:
          'The vendor public key as a PEM file, for `seatkeeper agent install --vendor-key vendor.pem` on each VPN server',
        response: {
          200: {
            description: 'The PEM file',
            content: { 'application/x-pem-file': { schema: Type.String() } },
          },
        },
      },
    },
    async (_request, reply) =>
      reply
        .type('application/x-pem-file')
        .header('content-disposition', 'attachment; filename="vendor.pem"')
        .send(ctx.vendor.publicKeyPem),
  );

  app.post(
    '/v1/activations',
    {
      schema: {
        tags,
        summary: 'Activate a license key on a server; the first server binds it for good',
        body: ActivationRequest,
        response: { 200: ActivationAnswer, 201: ActivationAnswer, ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const result = unwrap(await activate(ctx, request.body));
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.post(
    '/v1/activations/offline',
    {
      schema: {
        tags,
        summary:
          'Offline activation: the request file of a server with no route to the service, submitted by the key’s account (or staff); the certificate lives to the end of the key’s term',
        security: BEARER,
        body: OfflineRequest,
        response: {
          200: ActivationAnswer,
          201: ActivationAnswer,
          ...problemResponses(400, 401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      const { format: _format, ...activation } = request.body;
      const submitter = { accountId: principal.kind === 'staff' ? undefined : principal.accountId };
      const result = unwrap(await activateOffline(ctx, submitter, activation));
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.post(
    '/v1/activations/refresh',
    {
      schema: {
        tags,
        summary: 'A fresh certificate for a server the key is already bound to',
        body: ActivationRequest,
        response: { 200: ActivationAnswer, ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => unwrap(await refresh(ctx, request.body)),
  );

  app.post(
    '/v1/activations/status',
    {
      schema: {
        tags,
        summary:
          'The state of a key bound to the asking server (its revision, a replacement, a revocation): agents ask every few minutes and refresh their certificate when the revision moves on',
        body: LicenseStateRequest,
        response: { 200: LicenseState, ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => unwrap(await licenseState(ctx, request.body)),
  );
};
