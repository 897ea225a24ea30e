import type { CreateSubscription, Subscription } from '../../contract/subscriptions.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { billingStatus, graceEnds } from '../../domain/subscription-billing.js';
import {
  generateSubscriptionKey,
  parseSubscriptionKey,
  subscriptionKeyDigest,
  subscriptionKeyHint,
} from '../../domain/subscription-key.js';
import { autoRenewed, isoDate, type Periods, periodEnd, renewed } from '../../domain/terms.js';
import { accountExists } from '../accounts/operations.js';
import { recordAudit } from '../audit/log.js';
import { canSeeAccount, type Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { seal, unseal } from '../secrets/seal.js';
import type { Database } from '../store/database.js';
import type { SubscriptionRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import {
  insertSubscription,
  lockSubscription,
  moveSubscriptionPeriod,
  subscriptionByDigest,
  subscriptionById,
  subscriptionRows,
} from './repository.js';

const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
const DEFAULT_GRACE_MS = 2 * 86_400_000;

export type SubscriptionView = Subscription;

/** Where a subscription bought through an order stands with its payments; null for a staff-created one. */
function billingOf(row: SubscriptionRow, now: Date): Pick<SubscriptionView, 'billingStatus' | 'graceEnds'> {
  if (row.billed === 0) return { billingStatus: null, graceEnds: null };
  const ends = new Date(row.period_ends_at);
  const status = billingStatus(ends, now);
  return { billingStatus: status, graceEnds: status === 'grace' ? graceEnds(ends).toISOString() : null };
}

export const subscriptionView = (ctx: ServiceContext, row: SubscriptionRow): SubscriptionView => ({
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
  ...billingOf(row, ctx.clock.now()),
});

/** What the audit log keeps of a subscription: never its key. */
export const auditedSubscription = (row: SubscriptionRow) => ({
  accountId: row.account_id,
  keyHint: row.key_hint,
  connections: row.seats,
  period: row.period,
  autoRenew: row.auto_renew === 1,
  mode: row.mode,
  periodEnds: new Date(row.period_ends_at).toISOString(),
});

/**
 * Who creates it, for the audit log: a user id, or `operator` at the command line; and, when an
 * order bought it, the price per connection and the amount its first period was charged.
 */
export type CreateSubscriptionInput = CreateSubscription & {
  actor?: string | undefined;
  billing?: { unitPrice: number; charged: number } | undefined;
};

/** Staff create a subscription: a pool of N connections for a period that renewal moves on. */
export async function createSubscription(
  ctx: ServiceContext,
  input: CreateSubscriptionInput,
): Promise<Result<SubscriptionView>> {
  const account = await accountExists(ctx, input.accountId);
  if (!account.ok) return account;
  const now = ctx.clock.now();
  const row = await inTransaction(ctx.store.db, async (tx) =>
    ok(await createSubscriptionIn(tx, ctx, input, now)),
  );
  return row.ok ? ok(subscriptionView(ctx, row.value)) : row;
}

/** `createSubscription` in the caller's transaction (an order paid for). */
export async function createSubscriptionIn(
  tx: Database,
  ctx: ServiceContext,
  input: CreateSubscriptionInput,
  now: Date,
): Promise<SubscriptionRow> {
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
    billed: input.billing === undefined ? 0 : 1,
    unit_price: input.billing?.unitPrice ?? null,
    period_charged: input.billing?.charged ?? 0,
    period_credited: 0,
    credit_balance: 0,
  };
  await insertSubscription(tx, row);
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
  return row;
}

/** The subscription a key names: the credential of joining and of every heartbeat. */
export async function subscriptionByKey(db: Database, typed: string): Promise<Result<SubscriptionRow>> {
  const key = parseSubscriptionKey(typed);
  if (!key.ok) return key;
  const row = await subscriptionByDigest(db, subscriptionKeyDigest(key.value));
  return row === undefined
    ? fail('subscription_key_not_found', 'This subscription key was never issued.', 'key')
    : ok(row);
}

/** That a subscription key was issued: the credential of a heartbeat, checked before its bulk. */
export async function checkSubscriptionKey(ctx: ServiceContext, key: string): Promise<Result<void>> {
  const found = await subscriptionByKey(ctx.store.db, key);
  return found.ok ? ok(undefined) : found;
}

export const periodsOf = (row: SubscriptionRow): Periods => ({
  anchor: new Date(row.period_anchor),
  count: row.period_count,
});

/** Until when it serves: a billed subscription through the grace after a period ended unpaid. */
export const servesUntil = (row: SubscriptionRow): number =>
  row.billed === 1 ? graceEnds(new Date(row.period_ends_at)).getTime() : row.period_ends_at;

export const hasEnded = (row: SubscriptionRow, now: Date): boolean => now.getTime() >= servesUntil(row);

export const ended = (row: SubscriptionRow) =>
  fail(
    'subscription_expired',
    `This subscription ended on ${isoDate(new Date(row.period_ends_at))}: renew it.`,
    'key',
  );

/** Whether the subscription can be used now, or will be once a free auto-renewal moves it on. */
export const usable = (row: SubscriptionRow, now: Date): boolean =>
  !hasEnded(row, now) || (row.auto_renew === 1 && row.billed === 0);

/**
 * An auto-renewing subscription whose period ended moves on by whole periods. The update is
 * conditional on the end it read, so processes racing to renew it move it once. A billed one is
 * left alone: only a paid renewal order moves it.
 */
export async function autoRenew(db: Database, row: SubscriptionRow, now: Date): Promise<SubscriptionRow> {
  if (row.billed === 1) return row;
  const next = autoRenewed(periodsOf(row), row.period, now);
  const moved = { ...row, period_count: next.count, period_ends_at: periodEnd(next, row.period).getTime() };
  await inTransaction(db, async (tx) => {
    const applied = await moveSubscriptionPeriod(
      tx,
      row.id,
      { period_count: moved.period_count, period_ends_at: moved.period_ends_at },
      row.period_ends_at,
    );
    // Only the process that moved it records the move.
    if (applied)
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
    return ok(undefined);
  });
  return moved;
}

/** Staff renew a subscription by one period: from its end when in advance, from now when it had ended. */
export async function renewSubscription(
  ctx: ServiceContext,
  id: string,
  actor = 'operator',
): Promise<Result<SubscriptionView>> {
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    // Renewals of one subscription run one at a time.
    const row = await lockSubscription(tx, id);
    if (row === undefined) return fail('subscription_not_found', `There is no subscription ${id}.`, 'id');
    const next = renewed(periodsOf(row), row.period, now);
    const ends = periodEnd(next, row.period).getTime();
    const moved = { period_anchor: next.anchor.getTime(), period_count: next.count, period_ends_at: ends };
    await moveSubscriptionPeriod(tx, id, moved);
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

/** One subscription, for staff or a user of its account; another account's answers as unknown. */
export async function showSubscription(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
): Promise<Result<SubscriptionView>> {
  const row = await subscriptionById(ctx.store.db, id);
  if (row === undefined || !canSeeAccount(principal, row.account_id))
    return fail('subscription_not_found', `There is no subscription ${id}.`, 'id');
  return ok(subscriptionView(ctx, row));
}

export async function listSubscriptions(
  ctx: ServiceContext,
  filter: { accountId?: string | undefined },
): Promise<SubscriptionView[]> {
  return (await subscriptionRows(ctx.store.db, filter.accountId)).map((row) => subscriptionView(ctx, row));
}
