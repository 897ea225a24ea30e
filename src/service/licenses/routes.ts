import { Type } from '@sinclair/typebox';
import { canSeeAccount } from '../auth/principal.js';
import { BEARER, requirePrincipal, requireStaff } from '../http/authenticate.js';
import { problem, unwrap } from '../http/problem.js';
import { IdParam, Instant, problemResponses } from '../http/schemas.js';
import type { RouteModule } from '../http/types.js';
import { findLicense, issueLicense, listLicenses } from './operations.js';

const License = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    kind: Type.Literal('fixed'),
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
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('License'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await requireStaff(ctx, request);
      const { purchasedAt, ...rest } = request.body;
      const issued = unwrap(
        await issueLicense(ctx, {
          ...rest,
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
      return { licenses: await listLicenses(ctx, { accountId }) };
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
      return license;
    },
  );
};
