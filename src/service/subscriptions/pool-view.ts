import { fail, ok, type Result } from '../../domain/errors.js';
import { isLive } from '../../domain/pools.js';
import { canSeeAccount, type Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import type { SubscriptionRow } from '../store/schema.js';
import { type SubscriptionView, subscriptionView } from './lifecycle.js';
import { poolMembers, subscriptionById, subscriptionRows } from './repository.js';

/** A server in a pool as its heartbeats leave it; a silent one counts no tunnels. */
export interface PoolServer {
  serverId: string;
  hostname: string;
  joinedAt: string;
  lastHeartbeatAt: string;
  live: boolean;
  tunnels: number;
}

export interface PoolView {
  subscription: SubscriptionView;
  servers: PoolServer[];
  /** The live members' tunnels, against `subscription.connections`. */
  inUse: number;
}

/** The subscriptions of an account with their pools' servers, as the portal lists them. */
export async function poolsOf(ctx: ServiceContext, accountId: string): Promise<PoolView[]> {
  return poolsFrom(ctx, await subscriptionRows(ctx.store.db, accountId));
}

async function poolsFrom(ctx: ServiceContext, rows: readonly SubscriptionRow[]): Promise<PoolView[]> {
  const members = await poolMembers(
    ctx.store.db,
    rows.map((row) => row.id),
  );
  const now = ctx.clock.now().getTime();
  return rows.map((row) => {
    const servers = members
      .filter((member) => member.subscription_id === row.id)
      .map((member): PoolServer => {
        const live = isLive(member.last_heartbeat_at, now, row.heartbeat_interval_ms);
        return {
          serverId: member.server_id,
          hostname: member.hostname,
          joinedAt: new Date(member.joined_at).toISOString(),
          lastHeartbeatAt: new Date(member.last_heartbeat_at).toISOString(),
          live,
          tunnels: live ? member.tunnel_count : 0,
        };
      });
    return {
      subscription: subscriptionView(ctx, row),
      servers,
      inUse: servers.reduce((sum, server) => sum + server.tunnels, 0),
    };
  });
}

/** One subscription with its pool, for staff or a user of its account; another account's is unknown. */
export async function showPool(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
): Promise<Result<PoolView>> {
  const row = await subscriptionById(ctx.store.db, id);
  if (row === undefined || !canSeeAccount(principal, row.account_id))
    return fail('subscription_not_found', `There is no subscription ${id}.`, 'id');
  const [pool] = await poolsFrom(ctx, [row]);
  return pool === undefined
    ? fail('subscription_not_found', `There is no subscription ${id}.`, 'id')
    : ok(pool);
}
