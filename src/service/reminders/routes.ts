import { Type } from '@sinclair/typebox';
import { BEARER, requirePrincipal } from '../http/authenticate.js';
import { NextPage, PageQuery, pageSize, problemResponses } from '../http/schemas.js';
import type { RouteModule } from '../http/types.js';
import type { ReminderRow } from '../store/schema.js';
import { listReminders, REMINDER_STATUSES } from './operations.js';

const Status = Type.Unsafe<ReminderRow['status']>({ type: 'string', enum: [...REMINDER_STATUSES] });

const Reminder = Type.Object(
  {
    id: Type.String(),
    subject: Type.Union([Type.Literal('license'), Type.Literal('subscription')]),
    subjectId: Type.String({ description: 'The key (lic_...) or subscription (sub_...)' }),
    accountId: Type.String(),
    ends: Type.String({ format: 'date-time', description: 'The end it reminds of' }),
    daysBefore: Type.Integer({ description: '60, 30 or 3' }),
    status: Status,
    attempts: Type.Integer(),
    lastError: Type.Union([Type.String(), Type.Null()], { description: 'Why the last send failed' }),
    sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    messageId: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Reminder' },
);

export const reminderRoutes: RouteModule = (app, ctx) => {
  app.addSchema(Reminder);

  app.get(
    '/v1/reminders',
    {
      schema: {
        tags: ['reminders'],
        summary: 'Expiry reminders, newest first: an account reads its own, staff read all',
        security: BEARER,
        querystring: Type.Object(
          {
            status: Type.Optional(Status),
            subjectId: Type.Optional(
              Type.String({ pattern: '^(lic|sub)_[0-9a-z]{26}$', description: 'One key or subscription' }),
            ),
            ...PageQuery('rem'),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ reminders: Type.Array(Type.Ref('Reminder')), next: NextPage }),
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
