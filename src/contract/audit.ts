import { type Static, Type } from '@sinclair/typebox';
import { NextPage, PageQuery, Shared } from './common.js';
import { AnyId, Id } from './ids.js';

export const AuditEntry = Type.Object(
  {
    id: Type.String(),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String({ description: 'The user, server or job that made the change' }),
    accountId: Type.Union([Type.String(), Type.Null()]),
    entity: Type.Union(
      [
        Type.Literal('account'),
        Type.Literal('license'),
        Type.Literal('activation'),
        Type.Literal('subscription'),
        Type.Literal('request'),
        Type.Literal('user'),
        Type.Literal('invoice'),
        Type.Literal('billing_address'),
        Type.Literal('price_book'),
        Type.Literal('order'),
        Type.Literal('payment'),
        Type.Literal('organization'),
        Type.Literal('device'),
        Type.Literal('gateway_key'),
        Type.Literal('gateway_license'),
      ],
      {
        description:
          'account, license, activation, subscription, request, user, invoice, billing_address, price_book, order, payment, organization, device, gateway_key or gateway_license',
      },
    ),
    entityId: Type.String(),
    action: Type.String(),
    before: Type.Unknown({ description: 'The thing before the change; null when it did not exist' }),
    after: Type.Unknown({ description: 'The thing after the change' }),
  },
  { $id: 'AuditEntry' },
);
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object(
  {
    entityId: Type.Optional(AnyId('One key, account, activation...')),
    accountId: Type.Optional(Id('acc', 'Staff only: one account')),
    ...PageQuery('aud'),
  },
  { additionalProperties: false },
);

export const AuditPage = Type.Object({ entries: Type.Array(Shared(AuditEntry)), next: NextPage });
export type AuditPage = Static<typeof AuditPage>;
