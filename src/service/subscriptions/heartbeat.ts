import type { Result } from '../../domain/errors.js';
import type { ServiceContext } from '../context.js';
import { checkReport, type HeartbeatAnswer, type HeartbeatRequest, notMember } from './heartbeat-checks.js';
import { leaseHeartbeat } from './heartbeat-lease.js';
import { reconcileHeartbeat } from './heartbeat-reconcile.js';
import { autoRenew, ended, hasEnded, subscriptionByKey, usable } from './lifecycle.js';
import { memberOf } from './repository.js';

/** A member's heartbeat: its tunnels reported, the pool's answer returned. */
export async function heartbeat(
  ctx: ServiceContext,
  request: HeartbeatRequest,
): Promise<Result<HeartbeatAnswer>> {
  const now = ctx.clock.now();
  const found = await subscriptionByKey(ctx.store.db, request.key);
  if (!found.ok) return found;
  let subscription = found.value;
  if (hasEnded(subscription, now)) {
    if (!usable(subscription, now)) return ended(subscription);
    // Only a well-formed heartbeat of a member moves an ended auto-renewing subscription on.
    const checked = checkReport(request, now);
    if (!checked.ok) return checked;
    if ((await memberOf(ctx.store.db, subscription.id, request.serverId)) === undefined) return notMember();
    subscription = await autoRenew(ctx.store.db, subscription, now);
  }
  const checked = checkReport(request, now);
  if (!checked.ok) return checked;
  return subscription.mode === 'lease'
    ? leaseHeartbeat(ctx, subscription, request, now)
    : reconcileHeartbeat(ctx, subscription, request, now);
}
