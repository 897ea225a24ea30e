import { fail, ok, type Result } from '../../domain/errors.js';
import { addDays } from '../../domain/terms.js';
import { type SizingAdvice, sizingAdvice } from '../../domain/usage-advice.js';
import { canSeeAccount, type Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { poolsOf } from '../subscriptions/pool-view.js';
import {
  HOUR_MS,
  hourOf,
  pruneUsageBefore,
  USAGE_KEPT_DAYS,
  type UsageHour,
  usageSince,
} from './repository.js';

/** The window the usage page charts and advises on. */
export const USAGE_WINDOW_DAYS = 30;

/** One subject's hours over the window: a pool (its subscription) or a server in it. */
export interface UsageSeries {
  subject: string;
  kind: 'pool' | 'server';
  /** The subscription's key hint for a pool, the hostname for a server. */
  label: string;
  subscriptionId: string;
  /** The connections licensed now. */
  licensed: number;
  /** The hours with a report, oldest first. */
  hours: UsageHour[];
  /** The most tunnels in any hour of the window; undefined when nothing was reported. */
  peak: number | undefined;
}

export interface AccountUsage {
  from: number;
  to: number;
  pools: { pool: UsageSeries; servers: UsageSeries[]; advice: SizingAdvice }[];
}

const peakOf = (hours: readonly UsageHour[]): number | undefined =>
  hours.length === 0 ? undefined : Math.max(...hours.map((hour) => hour.peak));

/**
 * Each pool's and each of its servers' connected tunnels against the seats licensed, hour by
 * hour over the last 30 days, with the pool's sizing advice. Fixed keys report no tunnels to the
 * service, so only pools have a history.
 */
export async function accountUsage(
  ctx: ServiceContext,
  principal: Principal,
  accountId: string,
): Promise<Result<AccountUsage>> {
  if (!canSeeAccount(principal, accountId))
    return fail('account_not_found', `There is no account ${accountId}.`, 'accountId');
  const now = ctx.clock.now();
  const to = hourOf(now.getTime()) + HOUR_MS;
  const from = to - USAGE_WINDOW_DAYS * 24 * HOUR_MS;
  const [pools, hours] = await Promise.all([
    poolsOf(ctx, accountId),
    usageSince(ctx.store.db, accountId, from),
  ]);
  const bySubject = new Map<string, UsageHour[]>();
  for (const hour of hours) {
    const known = bySubject.get(hour.subject);
    if (known === undefined) bySubject.set(hour.subject, [hour]);
    else known.push(hour);
  }
  const series = (
    subject: string,
    kind: UsageSeries['kind'],
    label: string,
    subscriptionId: string,
    licensed: number,
  ): UsageSeries => {
    const own = bySubject.get(subject) ?? [];
    return { subject, kind, label, subscriptionId, licensed, hours: own, peak: peakOf(own) };
  };
  return ok({
    from,
    to,
    pools: pools.map(({ subscription, servers }) => {
      const pool = series(
        subscription.id,
        'pool',
        `Subscription …${subscription.key.slice(-4)}`,
        subscription.id,
        subscription.connections,
      );
      return {
        pool,
        servers: servers.map((server) =>
          series(server.serverId, 'server', server.hostname, subscription.id, subscription.connections),
        ),
        advice: sizingAdvice(pool.peak, subscription.connections, USAGE_WINDOW_DAYS),
      };
    }),
  });
}

/** Forgets the hours older than the history keeps; the periodic job runs it. */
export const pruneUsage = (ctx: ServiceContext): Promise<number> =>
  pruneUsageBefore(ctx.store.db, addDays(ctx.clock.now(), -USAGE_KEPT_DAYS).getTime());
