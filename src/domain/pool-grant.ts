import type { KeyObject } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { Result } from './errors.js';
import { type PublicKeys, signedSchema, signPayload, verifySigned } from './signed.js';

/**
 * What the service told one server about its pool, signed: the seats the server may use and until
 * when. The agent counts a subscription from this alone, so editing its state file gains nothing.
 */
const Instant = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' });

export const PoolGrantPayloadSchema = Type.Object(
  {
    format: Type.Literal('seatkeeper-pool-grant/1'),
    kid: Type.String(),
    subscriptionId: Type.String(),
    serverId: Type.String(),
    mode: Type.Union([Type.Literal('reconcile'), Type.Literal('lease')]),
    connections: Type.Integer({ minimum: 0 }),
    /** Reconcile: tunnels across the pool. Lease: seats leased across the pool. */
    used: Type.Integer({ minimum: 0 }),
    /** This server's tunnels as stored and counted in `used` (0 while it is not live). */
    reported: Type.Integer({ minimum: 0 }),
    /** Lease: the seats this server may hold. */
    lease: Type.Integer({ minimum: 0 }),
    answeredAt: Instant,
    /** Lease: the lease's end. Reconcile: the end of the grace period without another answer. */
    validUntil: Instant,
    periodEnds: Instant,
  },
  { additionalProperties: false },
);

export const PoolGrantSchema = signedSchema(PoolGrantPayloadSchema, 'PoolGrant');

export type PoolGrantPayload = Static<typeof PoolGrantPayloadSchema>;
export type PoolGrant = Static<typeof PoolGrantSchema>;

export const signPoolGrant = (payload: PoolGrantPayload, privateKey: KeyObject): PoolGrant =>
  signPayload(payload, privateKey);

export const verifyPoolGrant = (candidate: unknown, keys: PublicKeys): Result<PoolGrantPayload> =>
  verifySigned(PoolGrantSchema, candidate, keys, 'pool grant', 'grant_invalid');

/**
 * The seats a grant lets its server hold, at most: the lease, or in reconcile mode what the pool
 * had left besides this server's own tunnels. Undefined once the grant or the period has ended.
 */
export function grantedSeats(grant: PoolGrantPayload, now: number): number | undefined {
  if (now >= Date.parse(grant.validUntil) || now >= Date.parse(grant.periodEnds)) return undefined;
  return grant.mode === 'lease'
    ? grant.lease
    : Math.max(0, grant.connections - (grant.used - grant.reported));
}
