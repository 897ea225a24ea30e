import { liveSince } from '../../domain/pools.js';
import type { ReminderMark } from '../../domain/reminders.js';
import { notReminded } from '../reminders/reminder-repository.js';
import type { Database } from '../store/database.js';
import { precompiled } from '../store/precompiled.js';
import type { PoolMembersTable, SubscriptionRow, SubscriptionsTable } from '../store/schema.js';

/**
 * The queries on the subscriptions and pool_members tables, with their columns named: every
 * statement the subscription room runs is reviewable here. "Not found" is `undefined`.
 */
const SUBSCRIPTION_COLUMNS = [
  'id',
  'account_id',
  'key_digest',
  'key_sealed',
  'key_hint',
  'seats',
  'period',
  'auto_renew',
  'mode',
  'enforcement_order',
  'heartbeat_interval_ms',
  'grace_ms',
  'period_anchor',
  'period_count',
  'period_ends_at',
  'version',
  'created_at',
  'billed',
  'unit_price',
  'period_charged',
  'period_credited',
  'credit_balance',
] as const satisfies readonly (keyof SubscriptionsTable)[];

/** The same columns named with their table, for queries that join another. */
const QUALIFIED_COLUMNS = SUBSCRIPTION_COLUMNS.map((column) => `subscriptions.${column}` as const);

/** Subscriptions that do not renew by themselves, ending inside `window`, with no reminder at its mark yet. */
export const subscriptionsEndingWithin = (
  db: Database,
  window: { after: number; upTo: number; mark: ReminderMark },
): Promise<SubscriptionRow[]> =>
  db
    .selectFrom('subscriptions')
    .select(SUBSCRIPTION_COLUMNS)
    .where('period_ends_at', '>', window.after)
    .where('period_ends_at', '<=', window.upTo)
    .where('auto_renew', '=', 0)
    .where(notReminded('subscription', 'subscriptions.id', 'subscriptions.period_ends_at', window.mark))
    .execute();

/** Reminded subscriptions as they are now, with their account's email. */
export const remindedSubscriptions = (db: Database, ids: readonly string[]) =>
  db
    .selectFrom('subscriptions')
    .innerJoin('accounts', 'accounts.id', 'subscriptions.account_id')
    .select(QUALIFIED_COLUMNS)
    .select('accounts.email')
    .where('subscriptions.id', 'in', ids)
    .execute();

export const insertSubscription = (db: Database, row: SubscriptionRow) =>
  db.insertInto('subscriptions').values(row).execute();

export const subscriptionByDigest = (db: Database, digest: string): Promise<SubscriptionRow | undefined> =>
  db
    .selectFrom('subscriptions')
    .select(SUBSCRIPTION_COLUMNS)
    .where('key_digest', '=', digest)
    .executeTakeFirst();

export const subscriptionById = (db: Database, id: string): Promise<SubscriptionRow | undefined> =>
  db.selectFrom('subscriptions').select(SUBSCRIPTION_COLUMNS).where('id', '=', id).executeTakeFirst();

export function subscriptionRows(db: Database, accountId: string | undefined): Promise<SubscriptionRow[]> {
  let query = db.selectFrom('subscriptions').select(SUBSCRIPTION_COLUMNS).orderBy('id');
  if (accountId !== undefined) query = query.where('account_id', '=', accountId);
  return query.execute();
}

/**
 * Writes the pool's row to take its lock (PostgreSQL) or the database's (SQLite), so that the
 * pool operations that follow in the transaction run one at a time; returns the row as locked.
 */
export const lockSubscription = (db: Database, id: string): Promise<SubscriptionRow | undefined> =>
  db
    .updateTable('subscriptions')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .returning(SUBSCRIPTION_COLUMNS)
    .executeTakeFirst();

type PeriodMove = Partial<Pick<SubscriptionRow, 'period_anchor' | 'period_count' | 'period_ends_at'>>;

/** Moves a subscription's period; with `fromEnd`, only if it still ends there. True if it moved. */
export async function moveSubscriptionPeriod(
  db: Database,
  id: string,
  moved: PeriodMove,
  fromEnd?: number,
): Promise<boolean> {
  let query = db.updateTable('subscriptions').set(moved).where('id', '=', id);
  if (fromEnd !== undefined) query = query.where('period_ends_at', '=', fromEnd);
  return (await query.executeTakeFirst()).numUpdatedRows > 0n;
}

type BillingChange = Partial<
  Pick<
    SubscriptionRow,
    | 'seats'
    | 'unit_price'
    | 'period_charged'
    | 'period_credited'
    | 'credit_balance'
    | 'period_anchor'
    | 'period_count'
    | 'period_ends_at'
  >
>;

/** What a paid change or renewal writes, under the row's lock. */
export const updateBilling = (db: Database, id: string, changes: BillingChange) =>
  db.updateTable('subscriptions').set(changes).where('id', '=', id).execute();

/** Billed, auto-renewing subscriptions whose period ends by `upTo` (their renewal is due). */
export const billedEndingBy = (db: Database, upTo: number): Promise<SubscriptionRow[]> =>
  db
    .selectFrom('subscriptions')
    .select(SUBSCRIPTION_COLUMNS)
    .where('billed', '=', 1)
    .where('auto_renew', '=', 1)
    .where('period_ends_at', '<=', upTo)
    .orderBy('id')
    .execute();

export type NewMember = Pick<
  PoolMembersTable,
  | 'subscription_id'
  | 'server_id'
  | 'fingerprint_digest'
  | 'fingerprint'
  | 'hostname'
  | 'joined_at'
  | 'last_heartbeat_at'
>;

/** Adds a member unless the server already belongs to a pool: true if it was added. */
export async function insertMember(db: Database, member: NewMember): Promise<boolean> {
  const inserted = await db
    .insertInto('pool_members')
    .values(member)
    .onConflict((conflict) => conflict.column('server_id').doNothing())
    .returning('server_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The membership a server holds, in whichever pool. */
export const membershipOfServer = (db: Database, serverId: string) =>
  db
    .selectFrom('pool_members')
    .select(['subscription_id', 'fingerprint_digest', 'fingerprint', 'last_heartbeat_at'])
    .where('server_id', '=', serverId)
    .executeTakeFirst();

/** Moves a server from a pool to another, starting afresh there; true if it was still in `from`. */
export async function moveMember(db: Database, from: string, member: NewMember): Promise<boolean> {
  const moved = await db
    .updateTable('pool_members')
    .set({ ...member, last_sequence: 0, tunnel_count: 0, tunnels: '[]', lease: 0, lease_expires_at: 0 })
    .where('server_id', '=', member.server_id)
    .where('subscription_id', '=', from)
    .executeTakeFirst();
  return moved.numUpdatedRows > 0n;
}

/** One member of one pool as its heartbeats leave it. */
export const memberOf = (db: Database, subscriptionId: string, serverId: string) =>
  db
    .selectFrom('pool_members')
    .select(['last_sequence', 'last_heartbeat_at', 'tunnel_count', 'lease', 'lease_expires_at'])
    .where('subscription_id', '=', subscriptionId)
    .where('server_id', '=', serverId)
    .executeTakeFirst();

/** What a heartbeat writes into its member row. */
export interface Report {
  last_heartbeat_at: number;
  last_sequence: number;
  tunnel_count: number;
  tunnels: string;
}

type ReportArgs = {
  subscriptionId: string;
  serverId: string;
  lastHeartbeatAt: number;
  lastSequence: number;
  tunnelCount: number;
  tunnels: string;
  lowest: number;
};

const reportUpdate = precompiled(
  (db, args: ReportArgs) =>
    db
      .updateTable('pool_members')
      .set({
        last_heartbeat_at: args.lastHeartbeatAt,
        last_sequence: args.lastSequence,
        tunnel_count: args.tunnelCount,
        tunnels: args.tunnels,
      })
      .where('subscription_id', '=', args.subscriptionId)
      .where('server_id', '=', args.serverId)
      .where('last_sequence', '<', args.lastSequence)
      .where('last_sequence', '>=', args.lowest),
  ['subscriptionId', 'serverId', 'lastHeartbeatAt', 'lastSequence', 'tunnelCount', 'tunnels', 'lowest'],
);

/**
 * A member's report (reconcile), compiled for a shared commit: written only if its sequence
 * follows the stored one, above it and not below `lowest` (how far the sender's clock lets a
 * sequence jump). One row changed if it was written.
 */
export const reportWrite = (
  db: Database,
  subscriptionId: string,
  serverId: string,
  report: Report,
  lowest: number,
) =>
  reportUpdate.compile(db, {
    subscriptionId,
    serverId,
    lastHeartbeatAt: report.last_heartbeat_at,
    lastSequence: report.last_sequence,
    tunnelCount: report.tunnel_count,
    tunnels: report.tunnels,
    lowest,
  });

/** A member's report with its lease (lease mode, under the pool's lock). */
export const writeLeaseReport = (
  db: Database,
  subscriptionId: string,
  serverId: string,
  report: Report & { lease: number; lease_expires_at: number },
) =>
  db
    .updateTable('pool_members')
    .set(report)
    .where('subscription_id', '=', subscriptionId)
    .where('server_id', '=', serverId)
    .execute();

/** The pool's figures as its members' heartbeats count: those heard from within the last intervals. */
type Pool = Pick<SubscriptionRow, 'id' | 'heartbeat_interval_ms'>;

const liveMembers = (db: Database, pool: Pool, now: number) =>
  db
    .selectFrom('pool_members')
    .where('subscription_id', '=', pool.id)
    .where('last_heartbeat_at', '>', liveSince(now, pool.heartbeat_interval_ms));

const liveFigures = precompiled(
  (db, { subscriptionId, serverId, since }: { subscriptionId: string; serverId: string; since: number }) => {
    const live = db
      .selectFrom('pool_members')
      .where('subscription_id', '=', subscriptionId)
      .where('last_heartbeat_at', '>', since);
    return db.selectNoFrom([
      live.select((eb) => eb.fn.coalesce(eb.fn.sum<number>('tunnel_count'), eb.lit(0)).as('n')).as('used'),
      live.select('tunnel_count').where('server_id', '=', serverId).as('own'),
    ]);
  },
  ['subscriptionId', 'serverId', 'since'],
);

/**
 * Reconcile: the live pool's tunnels and this server's share of them, in one statement so that
 * both are one moment's figures.
 */
export async function liveUse(db: Database, pool: Pool, serverId: string, now: number) {
  const since = liveSince(now, pool.heartbeat_interval_ms);
  const figures = (await liveFigures.run(db, { subscriptionId: pool.id, serverId, since })).rows[0];
  return { used: Number(figures?.used ?? 0), reported: Number(figures?.own ?? 0) };
}

/** Reconcile: the live members' tunnels as JSON, read only when the pool is over. */
export const liveTunnels = (db: Database, pool: Pool, now: number) =>
  liveMembers(db, pool, now).select(['server_id', 'tunnels']).execute();

/** Lease: the seats leased across the pool now, or by its members other than `except`. */
export async function leasedIn(
  db: Database,
  subscriptionId: string,
  now: number,
  except?: string,
): Promise<number> {
  let query = db
    .selectFrom('pool_members')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('lease'), eb.lit(0)).as('leased'))
    .where('subscription_id', '=', subscriptionId)
    .where('lease_expires_at', '>', now);
  if (except !== undefined) query = query.where('server_id', '!=', except);
  return Number((await query.executeTakeFirstOrThrow()).leased);
}

/** The pool's members as the pages show them: who, when last heard from, their tunnels then. */
export const poolMembers = (db: Database, subscriptionIds: readonly string[]) =>
  subscriptionIds.length === 0
    ? Promise.resolve([])
    : db
        .selectFrom('pool_members')
        .select([
          'subscription_id',
          'server_id',
          'hostname',
          'joined_at',
          'last_heartbeat_at',
          'tunnel_count',
        ])
        .where('subscription_id', 'in', subscriptionIds)
        .orderBy('hostname')
        .orderBy('server_id')
        .execute();
