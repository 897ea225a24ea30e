import { type Static, Type } from '@sinclair/typebox';
import { PoolGrantSchema } from '../domain/pool-grant.js';
import { Fingerprint, ServerId } from './activation.js';
import { Instant, Shared } from './common.js';
import { Id } from './ids.js';

const Period = Type.Union([Type.Literal('monthly'), Type.Literal('yearly')]);
const Mode = Type.Union([Type.Literal('reconcile'), Type.Literal('lease')]);
const Order = Type.Union([Type.Literal('newest'), Type.Literal('oldest')]);

export const Subscription = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    key: Type.String({ description: 'The subscription key, shown to its owner' }),
    connections: Type.Integer(),
    period: Period,
    autoRenew: Type.Boolean(),
    mode: Mode,
    order: Order,
    heartbeatIntervalMs: Type.Integer(),
    graceMs: Type.Integer(),
    periodEnds: Instant,
    billingStatus: Type.Union(
      [Type.Literal('paid'), Type.Literal('grace'), Type.Literal('ended'), Type.Null()],
      {
        description:
          'Bought through an order: paid for the current period; in grace (still working) after a period ended unpaid; ended once the grace ran out. Null for a subscription created by vendor staff',
      },
    ),
    graceEnds: Type.Union([Instant, Type.Null()], {
      description: 'In grace: when it ends unless its renewal order is paid',
    }),
  },
  { $id: 'Subscription' },
);
export type Subscription = Static<typeof Subscription>;

export const CreateSubscription = Type.Object(
  {
    accountId: Id('acc'),
    connections: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    period: Period,
    autoRenew: Type.Optional(Type.Boolean()),
    mode: Type.Optional(Mode),
    order: Type.Optional(Order),
    heartbeatIntervalMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
    graceMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400_000 })),
  },
  { additionalProperties: false },
);
export type CreateSubscription = Static<typeof CreateSubscription>;

export const SubscriptionList = Type.Object({ subscriptions: Type.Array(Shared(Subscription)) });
export type SubscriptionList = Static<typeof SubscriptionList>;

const SubscriptionKey = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'The subscription key (sks_...)',
});

export const JoinRequest = Type.Object(
  { key: SubscriptionKey, serverId: ServerId, fingerprint: Fingerprint },
  { additionalProperties: false },
);
export type JoinRequest = Static<typeof JoinRequest>;

/** A server's membership as joining leaves it. */
export const Membership = Type.Object({
  subscriptionId: Type.String(),
  serverId: Type.String(),
  connections: Type.Integer(),
  mode: Mode,
  order: Order,
  heartbeatIntervalMs: Type.Integer(),
  graceMs: Type.Integer(),
  periodEnds: Type.String(),
  created: Type.Boolean(),
  /**
   * What the pool has left for this server, until its last heartbeat's grace ends (a re-join does
   * not start it again). Reconcile: the pool minus the live tunnels. Lease: no seats until leased.
   */
  grant: Shared(PoolGrantSchema),
});
export type Membership = Static<typeof Membership>;

/** The most tunnels one heartbeat may report. */
const HEARTBEAT_MAX_TUNNELS = 50_000;
/** Printable ASCII but `"` and `\`, so an id takes as many bytes in JSON as it has characters. */
const TunnelId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$' });
/** A heartbeat's body limit, from its schema's maxima: the most tunnels, each at its longest, and room for the rest. */
export const HEARTBEAT_BODY_LIMIT =
  HEARTBEAT_MAX_TUNNELS *
    `${JSON.stringify({ id: 'x'.repeat(TunnelId.maxLength ?? 0), connectedAt: Number.MAX_SAFE_INTEGER })},`
      .length +
  1024;

export const HeartbeatRequest = Type.Object(
  {
    key: SubscriptionKey,
    serverId: ServerId,
    sequence: Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description:
        'Grows with every heartbeat of this server; past sentAt only as the one after the stored sequence',
    }),
    sentAt: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'The server’s clock, ms since the epoch',
    }),
    tunnels: Type.Array(
      Type.Object(
        {
          id: TunnelId,
          connectedAt: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
        },
        { additionalProperties: false },
      ),
      { maxItems: HEARTBEAT_MAX_TUNNELS },
    ),
    wanted: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Lease mode: seats wanted' }),
    ),
  },
  { additionalProperties: false },
);
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;

export const HeartbeatAnswer = Type.Object({
  mode: Mode,
  connections: Type.Integer(),
  used: Type.Integer({
    description: 'Reconcile: tunnels across the live pool. Lease: seats leased across the pool',
  }),
  disconnect: Type.Array(Type.String(), {
    description: 'Reconcile: this server’s tunnels to disconnect now',
  }),
  lease: Type.Integer({ description: 'Lease: the seats this server may hold, until leaseExpiresAt' }),
  leaseExpiresAt: Type.Union([Type.String(), Type.Null()]),
  nextHeartbeatInMs: Type.Integer(),
  periodEnds: Type.String({
    format: 'date-time',
    description: 'The end of the current period, as renewals move it',
  }),
  answeredAt: Type.String(),
  /** The figures above that set this server's seats, signed with the vendor key. */
  grant: Shared(PoolGrantSchema),
});
export type HeartbeatAnswer = Static<typeof HeartbeatAnswer>;

/** The schemas the subscription answers refer to by `$id`. */
export const SUBSCRIPTION_REFERENCES = [Subscription, PoolGrantSchema];
