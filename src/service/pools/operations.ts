import type {
  CreateSubscription,
  HeartbeatAnswer,
  HeartbeatRequest,
  Membership,
  Subscription,
} from '../../contract/subscriptions.js';
import { fail, ok, type Result, verifyFailMessage } from '../../domain/errors.js';
import {
  describeDifference,
  differingProperties,
  fingerprintOf,
  type MachineProperties,
  type PropertyDigests,
} from '../../domain/fingerprint.js';
import { newId } from '../../domain/ids.js';
import { type PoolGrant, signPoolGrant } from '../../domain/pool-grant.js';
import {
  grantLease,
  judgeSequence,
  liveSince,
  lowestPrior,
  type PoolTunnel,
  tunnelsToDisconnect,
} from '../../domain/pools.js';
import {
  generateSubscriptionKey,
  parseSubscriptionKey,
  subscriptionKeyDigest,
  subscriptionKeyHint,
} from '../../domain/subscription-key.js';
import { autoRenewed, isoDate, type Periods, periodEnd, renewed } from '../../domain/terms.js';
import { accountExists } from '../accounts/operations.js';
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import { seal, unseal } from '../secrets/seal.js';
import type { Database } from '../store/database.js';
import type { SubscriptionRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
export const DEFAULT_GRACE_MS = 2 * 86_400_000;
/** A heartbeat whose clock is further off than this is refused: its connect times cannot be trusted. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export type SubscriptionView = Subscription;

const subscriptionView = (ctx: ServiceContext, row: SubscriptionRow): SubscriptionView => ({
  id: row.id,
  accountId: row.account_id,
  key: unseal(row.key_sealed, ctx.vendor.dataKey),
  connections: row.seats,
  period: row.period,
  autoRenew: row.auto_renew === 1,
  mode: row.mode,
  order: row.enforcement_order,
  heartbeatIntervalMs: row.heartbeat_interval_ms,
  graceMs: row.grace_ms,
  periodEnds: new Date(row.period_ends_at).toISOString(),
});

/** Who creates it, for the audit log: a user id, or `operator` at the command line. */
export type CreateSubscriptionInput = CreateSubscription & { actor?: string | undefined };

/** Staff create a subscription: a pool of N connections for a period that renewal moves on. */
export async function createSubscription(
  ctx: ServiceContext,
  input: CreateSubscriptionInput,
): Promise<Result<SubscriptionView>> {
  const account = await accountExists(ctx, input.accountId);
  if (!account.ok) return account;
  const now = ctx.clock.now();
  const key = generateSubscriptionKey();
  const row: SubscriptionRow = {
    id: newId('sub', now.getTime()),
    account_id: input.accountId,
    key_digest: subscriptionKeyDigest(key),
    key_sealed: seal(key, ctx.vendor.dataKey),
    key_hint: subscriptionKeyHint(key),
    seats: input.connections,
    period: input.period,
    auto_renew: input.autoRenew === false ? 0 : 1,
    mode: input.mode ?? 'reconcile',
    enforcement_order: input.order ?? 'newest',
    heartbeat_interval_ms: input.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    grace_ms: input.graceMs ?? DEFAULT_GRACE_MS,
    period_anchor: now.getTime(),
    period_count: 1,
    period_ends_at: periodEnd({ anchor: now, count: 1 }, input.period).getTime(),
    version: 0,
    created_at: now.getTime(),
  };
  await ctx.store.db.transaction().execute(async (tx) => {
    await tx.insertInto('subscriptions').values(row).execute();
    await recordAudit(tx, now, [
      {
        actor: input.actor ?? 'operator',
        accountId: row.account_id,
        entity: 'subscription',
        entityId: row.id,
        action: 'created',
        after: auditedSubscription(row),
      },
    ]);
  });
  return ok(subscriptionView(ctx, row));
}

async function subscriptionByKey(db: Database, typed: string): Promise<Result<SubscriptionRow>> {
  const key = parseSubscriptionKey(typed);
  if (!key.ok) return key;
  const row = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('key_digest', '=', subscriptionKeyDigest(key.value))
    .executeTakeFirst();
  return row === undefined
    ? fail('license_key_not_found', 'This subscription key was never issued.', 'key')
    : ok(row);
}

export const periodsOf = (row: SubscriptionRow): Periods => ({
  anchor: new Date(row.period_anchor),
  count: row.period_count,
});

const hasEnded = (row: SubscriptionRow, now: Date): boolean => now.getTime() >= row.period_ends_at;

const ended = (row: SubscriptionRow) =>
  fail(
    'subscription_expired',
    `This subscription ended on ${isoDate(new Date(row.period_ends_at))}: renew it.`,
    'key',
  );

/** Whether the subscription can be used now, or will be once an auto-renewal moves it on. */
const usable = (row: SubscriptionRow, now: Date): boolean => !hasEnded(row, now) || row.auto_renew === 1;

/**
 * An auto-renewing subscription whose period ended moves on by whole periods. The update is
 * conditional on the end it read, so processes racing to renew it move it once.
 */
async function autoRenew(db: Database, row: SubscriptionRow, now: Date): Promise<SubscriptionRow> {
  const next = autoRenewed(periodsOf(row), row.period, now);
  const moved = { ...row, period_count: next.count, period_ends_at: periodEnd(next, row.period).getTime() };
  await db.transaction().execute(async (tx) => {
    const applied = await tx
      .updateTable('subscriptions')
      .set({ period_count: moved.period_count, period_ends_at: moved.period_ends_at })
      .where('id', '=', row.id)
      .where('period_ends_at', '=', row.period_ends_at)
      .executeTakeFirst();
    // Only the process that moved it records the move.
    if (applied.numUpdatedRows > 0n)
      await recordAudit(tx, now, [
        {
          actor: 'system',
          accountId: row.account_id,
          entity: 'subscription',
          entityId: row.id,
          action: 'auto_renewed',
          before: auditedSubscription(row),
          after: auditedSubscription(moved),
        },
      ]);
  });
  return moved;
}

/** What the audit log keeps of a subscription: never its key. */
const auditedSubscription = (row: SubscriptionRow) => ({
  accountId: row.account_id,
  keyHint: row.key_hint,
  connections: row.seats,
  period: row.period,
  autoRenew: row.auto_renew === 1,
  mode: row.mode,
  periodEnds: new Date(row.period_ends_at).toISOString(),
});

/** Staff renew a subscription by one period: from its end when in advance, from now when it had ended. */
export async function renewSubscription(
  ctx: ServiceContext,
  id: string,
  actor = 'operator',
): Promise<Result<SubscriptionView>> {
  const now = ctx.clock.now();
  return ctx.store.db.transaction().execute(async (tx) => {
    // Writing the row first locks it (PostgreSQL) or the database (SQLite): renewals run one at a time.
    const row = await tx
      .updateTable('subscriptions')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) return fail('subscription_not_found', `There is no subscription ${id}.`, 'id');
    const next = renewed(periodsOf(row), row.period, now);
    const ends = periodEnd(next, row.period).getTime();
    const moved = { period_anchor: next.anchor.getTime(), period_count: next.count, period_ends_at: ends };
    await tx.updateTable('subscriptions').set(moved).where('id', '=', id).execute();
    await recordAudit(tx, now, [
      {
        actor,
        accountId: row.account_id,
        entity: 'subscription',
        entityId: id,
        action: 'renewed',
        before: auditedSubscription(row),
        after: auditedSubscription({ ...row, ...moved }),
      },
    ]);
    return ok(subscriptionView(ctx, { ...row, ...moved }));
  });
}

export type { Membership };

/** A server's membership as joining leaves it: whether it is new, and when it was last heard from. */
type Joined = { created: boolean; lastHeartbeatAt: number };

async function membershipOf(
  ctx: ServiceContext,
  row: SubscriptionRow,
  serverId: string,
  member: Joined,
  now: Date,
): Promise<Membership> {
  const at = now.getTime();
  const figures =
    row.mode === 'lease'
      ? { used: await leasedIn(ctx.store.db, row.id, at), reported: 0 }
      : await liveUse(ctx.store.db, row, serverId, at);
  return {
    subscriptionId: row.id,
    serverId,
    connections: row.seats,
    mode: row.mode,
    order: row.enforcement_order,
    heartbeatIntervalMs: row.heartbeat_interval_ms,
    graceMs: row.grace_ms,
    periodEnds: new Date(row.period_ends_at).toISOString(),
    created: member.created,
    grant: grantFor(ctx, row, serverId, now, {
      ...figures,
      lease: 0,
      validUntil: member.lastHeartbeatAt + row.grace_ms,
    }),
  };
}

/**
 * Activates a subscription on a server: many servers may join one pool, a server belongs to at
 * most one. The unique server_id settles a server joining two pools at once.
 */
export async function joinPool(
  ctx: ServiceContext,
  request: { key: string; serverId: string; fingerprint: MachineProperties },
): Promise<Result<Membership>> {
  const now = ctx.clock.now();
  const found = await subscriptionByKey(ctx.store.db, request.key);
  if (!found.ok) return found;
  if (!usable(found.value, now)) return ended(found.value);
  const machine = fingerprintOf(request.fingerprint);
  const fresh = {
    subscription_id: found.value.id,
    fingerprint_digest: machine.digest,
    fingerprint: JSON.stringify(machine.properties),
    hostname: request.fingerprint.hostname,
    joined_at: now.getTime(),
    last_heartbeat_at: now.getTime(),
  };
  // The membership and its audit entry commit together.
  const joined = await inTransaction(ctx.store.db, async (tx): Promise<Result<Joined>> => {
    const inserted = await tx
      .insertInto('pool_members')
      .values({ ...fresh, server_id: request.serverId })
      .onConflict((conflict) => conflict.column('server_id').doNothing())
      .returning('server_id')
      .executeTakeFirst();
    if (inserted === undefined) {
      const member = await tx
        .selectFrom('pool_members')
        .selectAll()
        .where('server_id', '=', request.serverId)
        .executeTakeFirstOrThrow();
      if (member.subscription_id === found.value.id) {
        if (member.fingerprint_digest === machine.digest)
          return ok({ created: false, lastHeartbeatAt: member.last_heartbeat_at });
        const differing = differingProperties(
          JSON.parse(member.fingerprint) as PropertyDigests,
          machine.properties,
        );
        return fail('fingerprint_mismatch', verifyFailMessage(describeDifference(differing)), 'fingerprint');
      }
      const held = await tx
        .selectFrom('subscriptions')
        .selectAll()
        .where('id', '=', member.subscription_id)
        .executeTakeFirstOrThrow();
      const taken = () =>
        fail(
          'server_has_subscription',
          'This server already uses another subscription: a server holds one subscription at a time.',
          'serverId',
        );
      if (usable(held, now)) return taken();
      // Its subscription has ended for good: the server moves to the new one, starting afresh there.
      const moved = await tx
        .updateTable('pool_members')
        .set({ ...fresh, last_sequence: 0, tunnel_count: 0, tunnels: '[]', lease: 0, lease_expires_at: 0 })
        .where('server_id', '=', request.serverId)
        .where('subscription_id', '=', member.subscription_id)
        .executeTakeFirst();
      if (moved.numUpdatedRows === 0n) return taken();
    }
    await recordAudit(tx, now, [
      {
        actor: request.serverId,
        accountId: found.value.account_id,
        entity: 'subscription',
        entityId: found.value.id,
        action: 'server_joined',
        after: {
          serverId: request.serverId,
          hostname: request.fingerprint.hostname,
          fingerprint: machine.digest,
        },
      },
    ]);
    return ok({ created: true, lastHeartbeatAt: fresh.last_heartbeat_at });
  });
  if (!joined.ok) return joined;
  const subscription = hasEnded(found.value, now)
    ? await autoRenew(ctx.store.db, found.value, now)
    : found.value;
  return ok(await membershipOf(ctx, subscription, request.serverId, joined.value, now));
}

export type { HeartbeatAnswer, HeartbeatRequest };

function checkReport(request: HeartbeatRequest, now: Date): Result<void> {
  const skew = request.sentAt - now.getTime();
  if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
    return fail(
      'clock_skew',
      `The server's clock is ${Math.round(skew / 1000)} s off the service's: set it right (NTP) and try again.`,
      'sentAt',
    );
  }
  const ids = new Set<string>();
  for (const tunnel of request.tunnels) {
    if (ids.has(tunnel.id))
      return fail('validation_failed', `Tunnel ${tunnel.id} is reported twice.`, 'tunnels');
    ids.add(tunnel.id);
    if (tunnel.connectedAt > request.sentAt + 1000) {
      return fail(
        'validation_failed',
        `Tunnel ${tunnel.id} connected after the heartbeat was sent.`,
        'tunnels',
      );
    }
  }
  return ok(undefined);
}

/** The members that count: those heard from within the last intervals. */
const liveMembers = (db: Database, subscription: SubscriptionRow, now: number) =>
  db
    .selectFrom('pool_members')
    .where('subscription_id', '=', subscription.id)
    .where('last_heartbeat_at', '>', liveSince(now, subscription.heartbeat_interval_ms));

/**
 * Reconcile: the live pool's tunnels and this server's share of them, in one statement so that
 * both are one moment's figures.
 */
async function liveUse(db: Database, subscription: SubscriptionRow, serverId: string, now: number) {
  const live = liveMembers(db, subscription, now);
  const figures = await db
    .selectNoFrom([
      live.select((eb) => eb.fn.coalesce(eb.fn.sum<number>('tunnel_count'), eb.lit(0)).as('n')).as('used'),
      live.select('tunnel_count').where('server_id', '=', serverId).as('own'),
    ])
    .executeTakeFirstOrThrow();
  return { used: Number(figures.used), reported: Number(figures.own ?? 0) };
}

/** Reconcile: the pool's use; only when it is over, its tunnels are read for this server's share of the excess. */
async function reconcile(db: Database, subscription: SubscriptionRow, serverId: string, now: number) {
  const use = await liveUse(db, subscription, serverId, now);
  if (use.used <= subscription.seats) return { ...use, disconnect: [] };
  const members = await liveMembers(db, subscription, now).select(['server_id', 'tunnels']).execute();
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

/** Lease: the seats leased across the pool now, or by its members other than `except`. */
async function leasedIn(db: Database, subscriptionId: string, now: number, except?: string): Promise<number> {
  let query = db
    .selectFrom('pool_members')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('lease'), eb.lit(0)).as('leased'))
    .where('subscription_id', '=', subscriptionId)
    .where('lease_expires_at', '>', now);
  if (except !== undefined) query = query.where('server_id', '!=', except);
  return Number((await query.executeTakeFirstOrThrow()).leased);
}

const notMember = () =>
  fail('not_activated', 'This server has not joined the subscription: activate it first.', 'serverId');

/**
 * A heartbeat whose sequence is older than the stored one, or further ahead than its clock allows,
 * changes nothing; the answer says which sequence is stored, so the agent continues above it.
 */
function outOfOrder(verdict: 'old' | 'ahead', stored: number, request: HeartbeatRequest): Result<never> {
  const detail =
    verdict === 'old'
      ? `Sequence ${request.sequence} is older than the stored ${stored}: send one above it.`
      : `Sequence ${request.sequence} is ahead of the server’s clock and of the stored ${stored}: send one above the stored one.`;
  return {
    ok: false,
    error: { ...fail('heartbeat_out_of_order', detail, 'sequence').error, storedSequence: stored },
  };
}

/** The pool's figures for one server as stored and counted, signed so that its agent can hold them against tampering. */
function grantFor(
  ctx: ServiceContext,
  subscription: SubscriptionRow,
  serverId: string,
  now: Date,
  figures: { used: number; reported: number; lease: number; validUntil: number },
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
      periodEnds: new Date(subscription.period_ends_at).toISOString(),
    },
    ctx.vendor.privateKey,
  );
}

function answerOf(
  ctx: ServiceContext,
  subscription: SubscriptionRow,
  serverId: string,
  now: Date,
  outcome: {
    used: number;
    reported: number;
    disconnect: string[];
    lease: number;
    leaseExpiresAt: number | null;
    validUntil: number;
  },
): HeartbeatAnswer {
  const { used, disconnect, lease, leaseExpiresAt } = outcome;
  return {
    mode: subscription.mode,
    connections: subscription.seats,
    used,
    disconnect,
    lease,
    leaseExpiresAt: leaseExpiresAt === null ? null : new Date(leaseExpiresAt).toISOString(),
    nextHeartbeatInMs: subscription.heartbeat_interval_ms,
    periodEnds: new Date(subscription.period_ends_at).toISOString(),
    answeredAt: now.toISOString(),
    grant: grantFor(ctx, subscription, serverId, now, outcome),
  };
}

/** The member row as a heartbeat leaves it; only a sequence that follows the stored one changes it. */
const reported = (request: HeartbeatRequest, at: number) => ({
  last_heartbeat_at: at,
  last_sequence: request.sequence,
  tunnel_count: request.tunnels.length,
  tunnels: JSON.stringify(request.tunnels.map(({ id, connectedAt }) => ({ id, connectedAt }))),
});

/**
 * Reconcile mode: the member writes only its own row, conditionally on the sequence (two heartbeats
 * of one server racing: the higher one wins), then the pool is summed as it stands.
 */
async function reconcileHeartbeat(
  ctx: ServiceContext,
  subscription: SubscriptionRow,
  request: HeartbeatRequest,
  now: Date,
): Promise<Result<HeartbeatAnswer>> {
  const db = ctx.store.db;
  const at = now.getTime();
  // Heartbeats are many and small: they share commits (the answer still waits for the commit).
  const applied = await ctx.batch.run((tx) =>
    tx
      .updateTable('pool_members')
      .set(reported(request, at))
      .where('subscription_id', '=', subscription.id)
      .where('server_id', '=', request.serverId)
      .where('last_sequence', '<', request.sequence)
      .where('last_sequence', '>=', lowestPrior(request.sequence, request.sentAt))
      .executeTakeFirst(),
  );
  let heardAt = at;
  if (applied.numUpdatedRows === 0n) {
    // Nothing applied: a stranger, a sequence out of order, or a repeat answered from what is stored.
    const member = await db
      .selectFrom('pool_members')
      .select(['last_sequence', 'last_heartbeat_at'])
      .where('subscription_id', '=', subscription.id)
      .where('server_id', '=', request.serverId)
      .executeTakeFirst();
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

/**
 * Lease mode: one short transaction that first writes the pool's row, so that lease changes from
 * any service process run one after another and the leases always fit the pool.
 */
async function leaseHeartbeat(
  ctx: ServiceContext,
  found: SubscriptionRow,
  request: HeartbeatRequest,
  now: Date,
): Promise<Result<HeartbeatAnswer>> {
  const at = now.getTime();
  return inTransaction(ctx.store.db, async (tx): Promise<Result<HeartbeatAnswer>> => {
    const subscription = await tx
      .updateTable('subscriptions')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('id', '=', found.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const member = await tx
      .selectFrom('pool_members')
      .select(['last_sequence', 'tunnel_count', 'lease', 'lease_expires_at'])
      .where('subscription_id', '=', subscription.id)
      .where('server_id', '=', request.serverId)
      .executeTakeFirst();
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
      await tx
        .updateTable('pool_members')
        .set({ ...reported(request, at), lease, lease_expires_at: leaseExpiresAt })
        .where('subscription_id', '=', subscription.id)
        .where('server_id', '=', request.serverId)
        .execute();
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

/** A member's heartbeat: its tunnels reported, the pool's answer returned. */
/** That a subscription key was issued: the credential of a heartbeat, checked before its bulk. */
export async function checkSubscriptionKey(ctx: ServiceContext, key: string): Promise<Result<void>> {
  const found = await subscriptionByKey(ctx.store.db, key);
  return found.ok ? ok(undefined) : found;
}

export async function heartbeat(
  ctx: ServiceContext,
  request: HeartbeatRequest,
): Promise<Result<HeartbeatAnswer>> {
  const now = ctx.clock.now();
  const found = await subscriptionByKey(ctx.store.db, request.key);
  if (!found.ok) return found;
  let subscription = found.value;
  if (hasEnded(subscription, now)) {
    if (subscription.auto_renew === 0) return ended(subscription);
    // Only a well-formed heartbeat of a member moves an ended auto-renewing subscription on.
    const checked = checkReport(request, now);
    if (!checked.ok) return checked;
    const member = await ctx.store.db
      .selectFrom('pool_members')
      .select('server_id')
      .where('subscription_id', '=', subscription.id)
      .where('server_id', '=', request.serverId)
      .executeTakeFirst();
    if (member === undefined) return notMember();
    subscription = await autoRenew(ctx.store.db, subscription, now);
  }
  const checked = checkReport(request, now);
  if (!checked.ok) return checked;
  return subscription.mode === 'lease'
    ? leaseHeartbeat(ctx, subscription, request, now)
    : reconcileHeartbeat(ctx, subscription, request, now);
}

export async function listSubscriptions(
  ctx: ServiceContext,
  filter: { accountId?: string | undefined },
): Promise<SubscriptionView[]> {
  let query = ctx.store.db.selectFrom('subscriptions').selectAll().orderBy('id');
  if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
  return (await query.execute()).map((row) => subscriptionView(ctx, row));
}
