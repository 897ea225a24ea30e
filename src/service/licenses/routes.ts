import { Type } from '@sinclair/typebox';
import { canSeeAccount } from '../auth/principal.js';
import { BEARER, requirePrincipal, requireStaff } from '../http/authenticate.js';
import { problem, unwrap } from '../http/problem.js';
import { Email, IdParam, Instant, problemResponses } from '../http/schemas.js';
import type { RouteModule } from '../http/types.js';
import {
  issueFailoverKey,
  refundLicense,
  renewLicenses,
  replaceLicense,
  splitLicense,
  transferLicenses,
} from './lifecycle.js';
import { asSeenBy, findLicense, issueLicense, listLicenses } from './operations.js';

const License = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    kind: Type.Union([Type.Literal('fixed'), Type.Literal('failover')], {
      description: 'A failover key carries its original’s connections and term, for a standby server',
    }),
    key: Type.String({
      description: 'The license key, shown to its owner',
      examples: ['7K2M-QX9D-4TRB-WN3H-8CPA'],
    }),
    connections: Type.Integer({ description: 'Concurrent connections (tunnels)' }),
    termYears: Type.Integer(),
    purchasedAt: Instant,
    starts: Instant,
    ends: Type.String({ format: 'date-time', description: 'End of the support/upgrade term' }),
    status: Type.Union([
      Type.Literal('not_activated'),
      Type.Literal('active'),
      Type.Literal('expired'),
      Type.Literal('revoked'),
    ]),
    server: Type.Union([
      Type.Object({ serverId: Type.String(), hostname: Type.String(), activatedAt: Instant }),
      Type.Null(),
    ]),
    endedReason: Type.Union(
      [Type.Literal('refunded'), Type.Literal('split'), Type.Literal('replaced'), Type.Null()],
      {
        description: 'Why a revoked key is done with',
      },
    ),
    parentId: Type.Union([Type.String(), Type.Null()], {
      description: 'The key this one was split from or replaces',
    }),
    orderNumber: Type.Union([Type.String(), Type.Null()], {
      description: 'The order on the key’s invoice; null for the account’s members, who do not see invoices',
    }),
    legacy: Type.Boolean({ description: 'Old terms: never expires on the machine it was activated on' }),
    failoverOf: Type.Union([Type.String(), Type.Null()], {
      description: 'The key a failover key stands in for',
    }),
    revokedAt: Type.Union([Instant, Type.Null()], {
      description: 'When the key stopped, or stops (a replaced key works on for a week)',
    }),
  },
  { $id: 'License' },
);

const tags = ['licenses'];

export const licenseRoutes: RouteModule = (app, ctx) => {
  app.addSchema(License);

  app.post(
    '/v1/licenses',
    {
      schema: {
        tags,
        summary: 'Issue a fixed license key to an account (staff)',
        security: BEARER,
        body: Type.Object(
          {
            accountId: Type.String({ pattern: '^acc_[0-9a-z]{26}$' }),
            connections: Type.Integer({
              minimum: 1,
              maximum: 1_000_000,
              description: 'Concurrent connections',
            }),
            years: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 10, description: 'Support/upgrade term; 1 by default' }),
            ),
            purchasedAt: Type.Optional(
              Type.String({ format: 'date-time', description: 'The term starts here; now by default' }),
            ),
            legacy: Type.Optional(
              Type.Boolean({
                description: 'Old terms (Access Server 1.8.4 and before): never expires on its machine',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('License'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { userId } = await requireStaff(ctx, request);
      const { purchasedAt, ...rest } = request.body;
      const issued = unwrap(
        await issueLicense(ctx, {
          ...rest,
          actor: userId,
          purchasedAt: purchasedAt === undefined ? undefined : new Date(purchasedAt),
        }),
      );
      return reply.code(201).send(issued);
    },
  );

  app.get(
    '/v1/licenses',
    {
      schema: {
        tags,
        summary: 'List license keys with their status and the server each is bound to',
        security: BEARER,
        querystring: Type.Object(
          {
            accountId: Type.Optional(
              Type.String({ pattern: '^acc_[0-9a-z]{26}$', description: 'Staff only: one account' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ licenses: Type.Array(Type.Ref('License')) }),
          ...problemResponses(400, 401),
        },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      const accountId = principal.kind === 'staff' ? request.query.accountId : principal.accountId;
      return { licenses: (await listLicenses(ctx, { accountId })).map(asSeenBy(principal)) };
    },
  );

  app.get(
    '/v1/licenses/:id',
    {
      schema: {
        tags,
        summary: 'Get a license key',
        security: BEARER,
        params: IdParam('lic', 'License id'),
        response: { 200: Type.Ref('License'), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      const license = await findLicense(ctx, request.params.id);
      if (license === undefined || !canSeeAccount(principal, license.accountId)) {
        throw problem('license_not_found', `There is no license ${request.params.id}.`, 'id');
      }
      return asSeenBy(principal)(license);
    },
  );

  const LicenseId = Type.String({ pattern: '^lic_[0-9a-z]{26}$' });

  app.post(
    '/v1/licenses/renewals',
    {
      schema: {
        tags,
        summary:
          'Renew keys for more years, all or none: ahead of the end after the current term, once expired from today (staff)',
        security: BEARER,
        body: Type.Object(
          {
            licenseIds: Type.Array(LicenseId, { minItems: 1, maxItems: 1000 }),
            years: Type.Integer({ minimum: 1, maximum: 10 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ licenses: Type.Array(Type.Ref('License')) }),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return { licenses: unwrap(await renewLicenses(ctx, { ...request.body, actor: userId })) };
    },
  );

  app.post(
    '/v1/licenses/:id/refund',
    {
      schema: {
        tags,
        summary:
          'Refund a key never activated, within 30 days of its purchase: it is revoked for good (staff)',
        security: BEARER,
        params: IdParam('lic', 'License id'),
        response: { 200: Type.Ref('License'), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return unwrap(await refundLicense(ctx, { licenseId: request.params.id, actor: userId }));
    },
  );

  app.post(
    '/v1/licenses/:id/split',
    {
      schema: {
        tags,
        summary:
          'Split a key never activated into keys whose connections add up to its own, with its term (staff)',
        security: BEARER,
        params: IdParam('lic', 'License id'),
        body: Type.Object(
          { parts: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 2, maxItems: 100 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ original: Type.Ref('License'), keys: Type.Array(Type.Ref('License')) }),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return unwrap(
        await splitLicense(ctx, { licenseId: request.params.id, parts: request.body.parts, actor: userId }),
      );
    },
  );

  app.post(
    '/v1/licenses/:id/replacement',
    {
      schema: {
        tags,
        summary:
          'License replacement program, within the support term: a new key for a changed machine; the old one stops after 7 days (staff)',
        security: BEARER,
        params: IdParam('lic', 'License id'),
        response: {
          200: Type.Object({ original: Type.Ref('License'), replacement: Type.Ref('License') }),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return unwrap(await replaceLicense(ctx, { licenseId: request.params.id, actor: userId }));
    },
  );

  app.post(
    '/v1/licenses/:id/failover-key',
    {
      schema: {
        tags,
        summary: 'The free failover key of a key, for an integrated standby server: one per key (staff)',
        security: BEARER,
        params: IdParam('lic', 'License id'),
        response: { 201: Type.Ref('License'), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { userId } = await requireStaff(ctx, request);
      return reply
        .code(201)
        .send(unwrap(await issueFailoverKey(ctx, { licenseId: request.params.id, actor: userId })));
    },
  );

  app.post(
    '/v1/licenses/transfers',
    {
      schema: {
        tags,
        summary:
          "Move keys to another account with their activations and terms, at the request of the keys' admin email, its domain, or anyone citing their order (staff)",
        security: BEARER,
        body: Type.Object(
          {
            licenseIds: Type.Array(LicenseId, { minItems: 1, maxItems: 1000 }),
            toAccountId: Type.String({ pattern: '^acc_[0-9a-z]{26}$' }),
            requesterEmail: Email,
            orderNumber: Type.Optional(
              Type.String({ maxLength: 32, description: 'The order on an older invoice' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ licenses: Type.Array(Type.Ref('License')) }),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return { licenses: unwrap(await transferLicenses(ctx, { ...request.body, actor: userId })) };
    },
  );
};
