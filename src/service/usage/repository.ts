import { liveSince } from '../../domain/pools.js';
import type { Database } from '../store/database.js';
import { precompiled } from '../store/precompiled.js';

/**
 * The usage history: one row per server and per pool per hour, with the hour's peak tunnels and
 * the seats licensed when it was seen. Every statement on usage_history is here.
 */

export const HOUR_MS = 3_600_000;

/** History older than this is pruned. */
export const USAGE_KEPT_DAYS = 400;

export const hourOf = (at: number): number => Math.floor(at / HOUR_MS) * HOUR_MS;

type UsageArgs = {
  serverId: string;
  subscriptionId: string;
  accountId: string;
  hour: number;
  own: number;
  licensed: number;
  since: number;
};

const usageUpsert = precompiled(
  (db, args: UsageArgs) =>
    db
      .insertInto('usage_history')
      .values([
        {
          subject: args.serverId,
          account_id: args.accountId,
          hour: args.hour,
          peak: args.own,
          licensed: args.licensed,
        },
        {
          subject: args.subscriptionId,
          account_id: args.accountId,
          hour: args.hour,
          // The pool's tunnels as its live members' rows stand, this heartbeat's report included.
          peak: (eb) =>
            eb
              .selectFrom('pool_members')
              .select((inner) =>
                inner.fn.coalesce(inner.fn.sum<number>('tunnel_count'), inner.lit(0)).as('n'),
              )
              .where('subscription_id', '=', args.subscriptionId)
              .where('last_heartbeat_at', '>', args.since),
          licensed: args.licensed,
        },
      ])
      .onConflict((conflict) =>
        conflict.columns(['subject', 'hour']).doUpdateSet((eb) => ({
          // The licensed seats go with the peak they were seen with; both read the row as it was.
          licensed: eb
            .case()
            .when('excluded.peak', '>=', eb.ref('usage_history.peak'))
            .then(eb.ref('excluded.licensed'))
            .else(eb.ref('usage_history.licensed'))
            .end(),
          peak: eb
            .case()
            .when('excluded.peak', '>', eb.ref('usage_history.peak'))
            .then(eb.ref('excluded.peak'))
            .else(eb.ref('usage_history.peak'))
            .end(),
        })),
      ),
  ['serverId', 'subscriptionId', 'accountId', 'hour', 'own', 'licensed', 'since'],
);

/**
 * One statement per heartbeat, for the heartbeat's own transaction: the member's tunnels and the
 * pool's, each kept if above the hour's peak so far.
 */
export const usageWrite = (
  db: Database,
  pool: { id: string; account_id: string; seats: number; heartbeat_interval_ms: number },
  serverId: string,
  tunnels: number,
  at: number,
) =>
  usageUpsert.compile(db, {
    serverId,
    subscriptionId: pool.id,
    accountId: pool.account_id,
    hour: hourOf(at),
    own: tunnels,
    licensed: pool.seats,
    since: liveSince(at, pool.heartbeat_interval_ms),
  });

export interface UsageHour {
  subject: string;
  hour: number;
  peak: number;
  licensed: number;
}

/** The account's hours from `since` on, by subject then hour. */
export const usageSince = (db: Database, accountId: string, since: number): Promise<UsageHour[]> =>
  db
    .selectFrom('usage_history')
    .select(['subject', 'hour', 'peak', 'licensed'])
    .where('account_id', '=', accountId)
    .where('hour', '>=', since)
    .orderBy('subject')
    .orderBy('hour')
    .execute()
    .then((rows) => rows.map((row) => ({ ...row, hour: Number(row.hour) })));

/** Removes the hours before `before`; the number removed. */
export async function pruneUsageBefore(db: Database, before: number): Promise<number> {
  const removed = await db.deleteFrom('usage_history').where('hour', '<', before).executeTakeFirst();
  return Number(removed.numDeletedRows);
}
