import { ok, type Result } from '../../domain/errors.js';
import { grantLease, judgeSequence, liveSince } from '../../domain/pools.js';
import type { ServiceContext } from '../context.js';
import type { SubscriptionRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { usageWrite } from '../usage/repository.js';
import {
  answerOf,
  type HeartbeatAnswer,
  type HeartbeatRequest,
  notMember,
  outOfOrder,
  reported,
} from './heartbeat-checks.js';
import { leasedIn, lockSubscription, memberOf, writeLeaseReport } from './repository.js';

/**
 * Lease mode: one short transaction that first writes the pool's row, so that lease changes from
 * any service process run one after another and the leases always fit the pool.
 */
export async function leaseHeartbeat(
  ctx: ServiceContext,
  found: SubscriptionRow,
  request: HeartbeatRequest,
  now: Date,
): Promise<Result<HeartbeatAnswer>> {
  const at = now.getTime();
  return inTransaction(ctx.store.db, async (tx): Promise<Result<HeartbeatAnswer>> => {
    const subscription = await lockSubscription(tx, found.id);
    if (subscription === undefined) throw new Error(`subscription ${found.id} vanished`);
    const member = await memberOf(tx, subscription.id, request.serverId);
    if (member === undefined) return notMember();
    const verdict = judgeSequence(member.last_sequence, request.sequence, request.sentAt);
    if (verdict === 'old' || verdict === 'ahead') return outOfOrder(verdict, member.last_sequence, request);
    let { lease, lease_expires_at: leaseExpiresAt, tunnel_count: own } = member;
    if (verdict === 'apply') {
      lease = grantLease(
        {
          seats: subscription.seats,
          leasedByOthers: await leasedIn(tx, subscription.id, at, request.serverId),
        },
        request.wanted ?? request.tunnels.length,
      );
      // The lease lapses exactly when the member stops counting as live.
      leaseExpiresAt = at - liveSince(0, subscription.heartbeat_interval_ms);
      own = request.tunnels.length;
      const report = { ...reported(request, at), lease, lease_expires_at: leaseExpiresAt };
      await writeLeaseReport(tx, subscription.id, request.serverId, report);
      await tx.executeQuery(usageWrite(tx, subscription, request.serverId, own, at));
    }
    const used = await leasedIn(tx, subscription.id, at);
    return ok(
      answerOf(ctx, subscription, request.serverId, now, {
        used,
        reported: own,
        disconnect: [],
        lease,
        leaseExpiresAt,
        validUntil: leaseExpiresAt,
      }),
    );
  });
}
