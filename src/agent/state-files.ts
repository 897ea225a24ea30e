import { type Static, Type } from '@sinclair/typebox';
import { LicenseState } from '../contract/activation.js';
import { checker } from '../contract/check.js';
import { ERRORS, type ErrorCode } from '../domain/errors.js';
import { PoolGrantSchema } from '../domain/pool-grant.js';

/**
 * The shapes of the files in the agent's state directory. Another process wrote them (another
 * command, an older agent, someone with an editor): each is checked against its shape when read
 * back, and whatever a signature vouches for (certificates, grants) is verified on top.
 */

/** agent.json. Older agents also kept `vendorKeys` here: it is read past, never trusted. */
export const AgentIdentity = Type.Object({
  serverId: Type.String({ minLength: 1 }),
  createdAt: Type.String(),
  serviceUrl: Type.Optional(Type.String()),
});
export type AgentIdentity = Static<typeof AgentIdentity>;

/** licenses/<id>.json: the certificate stays unknown (a missing one does not count) until verified. */
export const StoredLicense = Type.Object({
  licenseId: Type.String({ minLength: 1 }),
  key: Type.String(),
  certificate: Type.Optional(Type.Unknown()),
  /** The service's revision of the key when it signed the certificate: another one asks for a fresh certificate. */
  revision: Type.Optional(Type.String()),
  /**
   * What the service last said of the key (a replacement, a revocation). Unsigned: it can only
   * stop a certificate from counting or explain, never make one count.
   */
  service: Type.Optional(LicenseState),
});
export type StoredLicense = Static<typeof StoredLicense>;

/** subscription.json: enough to go on without the service. */
export const StoredSubscription = Type.Object({
  key: Type.String(),
  subscriptionId: Type.String(),
  mode: Type.Union([Type.Literal('reconcile'), Type.Literal('lease')]),
  connections: Type.Integer({ minimum: 0 }),
  heartbeatIntervalMs: Type.Integer({ minimum: 1 }),
  graceMs: Type.Integer({ minimum: 0 }),
  /** As the service last said: renewals move it on, and every answer carries it. */
  periodEnds: Type.String(),
  /** When this server joined (agent clock, ms): before a first answer, the grace runs from here. */
  joinedAt: Type.Number(),
  /** The last heartbeat sequence sent, or the one the service said it holds; the next one is higher. */
  sequence: Type.Integer({ minimum: 0 }),
  /** When the service's last answer was sent and received, on the agent's own clock. */
  answer: Type.Union([Type.Object({ leaseUntil: Type.Number(), receivedAt: Type.Number() }), Type.Null()]),
  /** The service's last signed grant (at joining, then at every answer): the seats come from it. */
  grant: Type.Union([PoolGrantSchema, Type.Null()]),
});
export type StoredSubscription = Static<typeof StoredSubscription>;

/** offline-requests.json: requests written and not yet answered, their nonces and keys. */
export const PendingOffline = Type.Array(Type.Object({ nonce: Type.String(), key: Type.String() }));
export type PendingOffline = Static<typeof PendingOffline>;

const Code = Type.Unsafe<ErrorCode>(Type.Union(Object.keys(ERRORS).map((code) => Type.Literal(code))));

/** One stored license as the agent judges it now. */
export const LicenseReport = Type.Object({
  licenseId: Type.String(),
  keyHint: Type.String(),
  seats: Type.Integer(),
  ends: Type.Union([Type.String(), Type.Null()]),
  certificateExpiresAt: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('counting'), Type.Literal('not_counting')]),
  /** Why it does not count: the seeds' message for a machine mismatch, or what to do. */
  reason: Type.Union([Type.String(), Type.Null()]),
  code: Type.Union([Code, Type.Null()]),
  /** The key that replaces this one, as the service said, and when this one stops. */
  replacedBy: Type.Union([
    Type.Object({
      licenseId: Type.String(),
      keyHint: Type.String(),
      stopsAt: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
});
export type LicenseReport = Static<typeof LicenseReport>;

/** The server's subscription as the agent judges it now. */
export const SubscriptionReport = Type.Object({
  subscriptionId: Type.String(),
  mode: Type.Union([Type.Literal('reconcile'), Type.Literal('lease')]),
  connections: Type.Integer(),
  /** Whether the subscription sets this server's capacity now (else its grace or lease ran out). */
  counting: Type.Boolean(),
  /** Reconcile: tunnels across the pool at the last answer. Lease: seats leased across the pool. */
  poolUsed: Type.Union([Type.Integer(), Type.Null()]),
  lease: Type.Union([Type.Integer(), Type.Null()]),
  lastAnswerAt: Type.Union([Type.String(), Type.Null()]),
  /** How often a running agent reports to the pool. */
  heartbeatIntervalMs: Type.Integer(),
  /** While counting: when it stops counting unless a heartbeat is answered before. */
  countingUntil: Type.Union([Type.String(), Type.Null()]),
});
export type SubscriptionReport = Static<typeof SubscriptionReport>;

/** live-usage.json: what the running agent last reported, as JSON (instants as text). */
export const LiveUsage = Type.Object({
  pid: Type.Integer(),
  usage: Type.Object({
    serverId: Type.String(),
    simulatedMachine: Type.Union([Type.String(), Type.Null()]),
    connected: Type.Integer(),
    licensed: Type.Integer(),
    licenses: Type.Array(LicenseReport),
    subscription: Type.Union([SubscriptionReport, Type.Null()]),
    tunnels: Type.Array(
      Type.Object({
        id: Type.String(),
        user: Type.Optional(Type.String()),
        address: Type.Optional(Type.String()),
        connectedAt: Type.String(),
      }),
    ),
  }),
});
export type LiveUsage = Static<typeof LiveUsage>;

export const STATE_FILES = {
  identity: checker(AgentIdentity),
  license: checker(StoredLicense),
  subscription: checker(StoredSubscription),
  pendingOffline: checker(PendingOffline),
  liveUsage: checker(LiveUsage),
};
