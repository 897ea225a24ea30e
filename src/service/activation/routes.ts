import { Type } from '@sinclair/typebox';
import { CertificateSchema } from '../../domain/certificate.js';
import { unwrap } from '../http/problem.js';
import { problemResponses } from '../http/schemas.js';
import type { RouteModule } from '../http/types.js';
import { activate, refresh } from './operations.js';

const Text = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });

const ActivationRequest = Type.Object(
  {
    key: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The license key as typed: any case, dashes or spaces optional',
    }),
    serverId: Type.String({ pattern: '^srv_[0-9a-z]{26}$', description: 'The agent’s server id' }),
    fingerprint: Type.Object(
      {
        machineId: Text('Machine id (/etc/machine-id)'),
        hostname: Text('Host name'),
        macs: Type.Array(Type.String({ maxLength: 64 }), {
          maxItems: 64,
          description: 'Network interface MAC addresses',
        }),
        cpu: Text('CPU model'),
        os: Text('Operating system and release'),
      },
      { additionalProperties: false, description: 'Machine properties the key is bound to' },
    ),
    nonce: Type.String({
      minLength: 8,
      maxLength: 128,
      description: 'Echoed in the certificate so the agent knows it is fresh',
    }),
    failover: Type.Optional(
      Type.Boolean({ description: 'This is an integrated failover (standby) server using a failover key' }),
    ),
  },
  { additionalProperties: false },
);

const ActivationResponse = Type.Object({
  licenseId: Type.String(),
  activationId: Type.String(),
  created: Type.Boolean({ description: 'True when this request bound the key' }),
  certificate: Type.Ref('LicenseCertificate'),
});

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
          200: Type.Object({
            keys: Type.Array(
              Type.Object({ kid: Type.String(), alg: Type.Literal('Ed25519'), publicKeyPem: Type.String() }),
            ),
          }),
        },
      },
    },
    async () => ({
      keys: [{ kid: ctx.vendor.kid, alg: 'Ed25519' as const, publicKeyPem: ctx.vendor.publicKeyPem }],
    }),
  );

  app.post(
    '/v1/activations',
    {
      schema: {
        tags,
        summary: 'Activate a license key on a server; the first server binds it for good',
        body: ActivationRequest,
        response: { 200: ActivationResponse, 201: ActivationResponse, ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const result = unwrap(await activate(ctx, request.body));
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
        response: { 200: ActivationResponse, ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => unwrap(await refresh(ctx, request.body)),
  );
};
