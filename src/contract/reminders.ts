import { type Static, Type } from '@sinclair/typebox';
import { NextPage, PageQuery, Shared } from './common.js';
import { Id } from './ids.js';

export const REMINDER_STATUSES = ['pending', 'sent', 'cancelled'] as const;
export const ReminderStatus = Type.Union(REMINDER_STATUSES.map((status) => Type.Literal(status)));
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

export const Reminder = Type.Object(
  {
    id: Type.String(),
    subject: Type.Union([Type.Literal('license'), Type.Literal('subscription')]),
    subjectId: Type.String({
      description:
        'The key (lic_...), the subscription (sub_...), or the gateway license (gwl_..., a `license` reminder too)',
    }),
    accountId: Type.String(),
    ends: Type.String({ format: 'date-time', description: 'The end it reminds of' }),
    daysBefore: Type.Integer({ description: '60, 30 or 3' }),
    status: ReminderStatus,
    attempts: Type.Integer(),
    lastError: Type.Union([Type.String(), Type.Null()], { description: 'Why the last send failed' }),
    sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    messageId: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Reminder' },
);
export type Reminder = Static<typeof Reminder>;

export const ReminderQuery = Type.Object(
  {
    status: Type.Optional(ReminderStatus),
    subjectId: Type.Optional(Id(['lic', 'sub', 'gwl'], 'One key, subscription or gateway license')),
    ...PageQuery('rem'),
  },
  { additionalProperties: false },
);

export const ReminderPage = Type.Object({ reminders: Type.Array(Shared(Reminder)), next: NextPage });
export type ReminderPage = Static<typeof ReminderPage>;
