import { type Static, Type } from '@sinclair/typebox';
import { Shared } from './common.js';
import { Id } from './ids.js';

export const RequestType = Type.Union([
  Type.Literal('refund'),
  Type.Literal('split'),
  Type.Literal('transfer'),
  Type.Literal('replacement'),
  Type.Literal('failover'),
]);
export const RequestStatus = Type.Union([
  Type.Literal('open'),
  Type.Literal('approved'),
  Type.Literal('declined'),
]);

export const SupportRequest = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    requesterEmail: Type.String(),
    type: RequestType,
    licenseId: Type.String(),
    keyHint: Type.String({ description: 'The key’s last group: it names the key without showing it' }),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
    status: RequestStatus,
    decision: Type.Union([Type.String(), Type.Null()], {
      description: 'Staff’s words to the requester: why it was declined, or a note with an approval',
    }),
    decidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    outcome: Type.Unknown({ description: 'What the approved operation made' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'SupportRequest' },
);
export type SupportRequest = Static<typeof SupportRequest>;

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const OpenRequest = Type.Object(
  {
    type: RequestType,
    licenseId: Id('lic'),
    message: Text(4000),
    parts: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { minItems: 2, maxItems: 100 })),
    toAccount: Type.Optional(Text(254)),
    licenseKey: Type.Optional(Text(64)),
    primaryHolder: Type.Optional(Text(254)),
    orderNumber: Type.Optional(Text(32)),
  },
  { additionalProperties: false },
);
export type OpenRequest = Static<typeof OpenRequest>;

export const RequestQuery = Type.Object(
  { status: Type.Optional(RequestStatus) },
  { additionalProperties: false },
);

export const RequestList = Type.Object({ requests: Type.Array(Shared(SupportRequest)) });
export type RequestList = Static<typeof RequestList>;

export const DeclineRequest = Type.Object({ reason: Text(4000) }, { additionalProperties: false });
