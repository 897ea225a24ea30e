import { AuditEntry, AuditPage, AuditQuery } from '../../contract/audit.js';
import { pageSize, problemResponses } from '../../contract/common.js';
import { canManageAccount } from '../auth/principal.js';
import { BEARER, requirePrincipal } from '../http/authenticate.js';
import { problem, unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { auditPage } from './log.js';

export const auditRoutes: RouteModule = (app, ctx) => {
  app.addSchema(AuditEntry);

  app.get(
    '/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit log, oldest first: an account’s owner reads its entries, staff read all',
        security: BEARER,
        querystring: AuditQuery,
        response: {
          200: AuditPage,
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
