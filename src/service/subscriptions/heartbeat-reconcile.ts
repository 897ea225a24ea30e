import { ok, type Result } from '../../domain/errors.js';
import { judgeSequence, lowestPrior, type PoolTunnel, tunnelsToDisconnect } from '../../domain/pools.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import type { SubscriptionRow } from '../store/schema.js';
import { usageWrite } from '../usage/repository.js';
import {
  answerOf,
  type HeartbeatAnswer,
  type HeartbeatRequest,
  notMember,
  outOfOrder,
  reported,
} from './heartbeat-checks.js';
import { liveTunnels, liveUse, memberOf, reportWrite } from './repository.js';

/** The pool's use; only when it is over, its tunnels are read for this server's share of the excess. */
async function reconcile(db: Database, subscription: SubscriptionRow, serverId: string, now: number) {
  const use = await liveUse(db, subscription, serverId, now);
  if (use.used <= subscription.seats) return { ...use, disconnect: [] };
  const members = await liveTunnels(db, subscription, now);
  const tunnels: PoolTunnel[] = members.flatMap((member) =>
    (JSON.parse(member.tunnels) as { id: string; connectedAt: number }[]).map((t) => ({
      serverId: member.server_id,
      ...t,
    })),
  );
  const chosen = tunnelsToDisconnect(tunnels, subscription.seats, subscription.enforcement_order);
  return {
    ...use,
    disconnect: chosen.filter((tunnel) => tunnel.serverId === serverId).map((tunnel) => tunnel.id),
  };
}

/**
 * Reconcile mode: the member writes only its own row, conditionally on the sequence (two heartbeats
 * of one server racing: the higher one wins), then the pool is summed as it stands.
 */
export async function reconcileHeartbeat(
  ctx: ServiceContext,
  subscription: SubscriptionRow,
  request: HeartbeatRequest,
  now: Date,
): Promise<Result<HeartbeatAnswer>> {
  const db = ctx.store.db;
  const at = now.getTime();
  const report = reportWrite(
    db,
    subscription.id,
    request.serverId,
    reported(request, at),
    lowestPrior(request.sequence, request.sentAt),
  );
  // Heartbeats are many and small: they share commits (the answer still waits for the commit).
  // An applied report adds to the hour's usage history in the same commit: one statement more.
  const usage = usageWrite(db, subscription, request.serverId, request.tunnels.length, at);
  const applied = await ctx.batch.run(async (tx) => {
    const written = await tx.executeQuery(report);
    if ((written.numAffectedRows ?? 0n) > 0n) await tx.executeQuery(usage);
    return written;
  });
  let heardAt = at;
  if (applied.numAffectedRows === 0n) {
    // Nothing applied: a stranger, a sequence out of order, or a repeat answered from what is stored.
    const member = await memberOf(db, subscription.id, request.serverId);
    if (member === undefined) return notMember();
    const verdict = judgeSequence(member.last_sequence, request.sequence, request.sentAt);
    if (verdict === 'old' || verdict === 'ahead') return outOfOrder(verdict, member.last_sequence, request);
    heardAt = member.last_heartbeat_at;
  }
  const { used, reported: own, disconnect } = await reconcile(db, subscription, request.serverId, at);
  return ok(
    answerOf(ctx, subscription, request.serverId, now, {
      used,
      reported: own,
      disconnect,
      lease: 0,
      leaseExpiresAt: null,
      validUntil: heardAt + subscription.grace_ms,
    }),
  );
}
