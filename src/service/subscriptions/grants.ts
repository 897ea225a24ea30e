import { type PoolGrant, signPoolGrant } from '../../domain/pool-grant.js';
import type { ServiceContext } from '../context.js';
import type { SubscriptionRow } from '../store/schema.js';
import { servesUntil } from './lifecycle.js';

/** The figures of a pool that set one server's seats, as stored and counted. */
export interface GrantFigures {
  used: number;
  reported: number;
  lease: number;
  validUntil: number;
}

/** The pool's figures for one server as stored and counted, signed so that its agent can hold them against tampering. */
export function grantFor(
  ctx: ServiceContext,
  subscription: SubscriptionRow,
  serverId: string,
  now: Date,
  figures: GrantFigures,
): PoolGrant {
  return signPoolGrant(
    {
      format: 'seatkeeper-pool-grant/1',
      kid: ctx.vendor.kid,
      subscriptionId: subscription.id,
      serverId,
      mode: subscription.mode,
      connections: subscription.seats,
      used: figures.used,
      reported: figures.reported,
      lease: figures.lease,
      answeredAt: now.toISOString(),
      validUntil: new Date(figures.validUntil).toISOString(),
      // The agent stops counting the pool here: for a billed one, when its grace would run out.
      periodEnds: new Date(servesUntil(subscription)).toISOString(),
    },
    ctx.vendor.privateKey,
  );
}
