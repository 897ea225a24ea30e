import { sql } from 'kysely';
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

/**
 * Rows are written only when they raise the hour’s peak: in the steady state a heartbeat’s
 * statement only reads (it writes and locks nothing), so heartbeats of one pool from several
 * service instances do not queue on its row. A race past the check still keeps the higher peak.
 */
const usageUpsert = precompiled(
  (db, args: UsageArgs) => ({
    compile: () =>
      sql`insert into usage_history (subject, account_id, hour, peak, licensed)
select seen.subject, ${args.accountId}, ${args.hour}, seen.peak, ${args.licensed} from (
  select ${args.serverId} as subject, ${args.own} as peak
  union all
  select ${args.subscriptionId} as subject,
    (select coalesce(sum(tunnel_count), 0) from pool_members
      where subscription_id = ${args.subscriptionId} and last_heartbeat_at > ${args.since}) as peak
) as seen
where not exists (
  select 1 from usage_history known
  where known.subject = seen.subject and known.hour = ${args.hour} and known.peak >= seen.peak
)
on conflict (subject, hour) do update set
  licensed = case when excluded.peak >= usage_history.peak then excluded.licensed else usage_history.licensed end,
  peak = case when excluded.peak > usage_history.peak then excluded.peak else usage_history.peak end`.compile(
        db,
      ),
  }),
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
