import { pageSize, problemResponses } from '../../contract/common.js';
import { Reminder, ReminderPage, ReminderQuery } from '../../contract/reminders.js';
import { BEARER, requirePrincipal } from '../http/authenticate.js';
import type { RouteModule } from '../http/types.js';
import { listReminders } from './operations.js';

export const reminderRoutes: RouteModule = (app, ctx) => {
  app.addSchema(Reminder);

  app.get(
    '/v1/reminders',
    {
      schema: {
        tags: ['reminders'],
        summary: 'Expiry reminders, newest first: an account reads its own, staff read all',
        security: BEARER,
        querystring: ReminderQuery,
        response: {
          200: ReminderPage,
          ...problemResponses(400, 401),
        },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      const accountId = principal.kind === 'staff' ? undefined : principal.accountId;
      const { status, subjectId, after, limit } = request.query;
      return listReminders(ctx, { status, subjectId, accountId, after, limit: pageSize(limit) });
    },
  );
};
