import { Type } from '@sinclair/typebox';
import { canManageAccount } from '../auth/principal.js';
import { BEARER, requirePrincipal } from '../http/authenticate.js';
import { problem, unwrap } from '../http/problem.js';
import { NextPage, PageQuery, pageSize, problemResponses } from '../http/schemas.js';
import type { RouteModule } from '../http/types.js';
import { auditPage } from './log.js';

const AuditEntry = Type.Object(
  {
    id: Type.String(),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String({ description: 'The user, server or job that made the change' }),
    accountId: Type.Union([Type.String(), Type.Null()]),
    entity: Type.String({ description: 'account, license, activation, subscription or request' }),
    entityId: Type.String(),
    action: Type.String(),
    before: Type.Unknown({ description: 'The thing before the change; null when it did not exist' }),
    after: Type.Unknown({ description: 'The thing after the change' }),
  },
  { $id: 'AuditEntry' },
);

export const auditRoutes: RouteModule = (app, ctx) => {
  app.addSchema(AuditEntry);

  app.get(
    '/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit log, oldest first: an account’s owner reads its entries, staff read all',
        security: BEARER,
        querystring: Type.Object(
          {
            entityId: Type.Optional(
              Type.String({
                pattern: '^[a-z]{3}_[0-9a-z]{26}$',
                description: 'One key, account, activation...',
              }),
            ),
            accountId: Type.Optional(
              Type.String({ pattern: '^acc_[0-9a-z]{26}$', description: 'Staff only: one account' }),
            ),
            ...PageQuery('aud'),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            entries: Type.Array(Type.Ref('AuditEntry')),
            next: NextPage,
          }),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      const accountId = principal.kind === 'staff' ? request.query.accountId : principal.accountId;
      if (accountId !== undefined && !canManageAccount(principal, accountId))
        throw problem('forbidden', 'The audit log is for the account’s owner and vendor staff.');
      const { entityId, after, limit } = request.query;
      return unwrap(await auditPage(ctx, { entityId, accountId, after, limit: pageSize(limit) }));
    },
  );
};
