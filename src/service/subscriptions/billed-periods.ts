import { type PriceBook, subscriptionProduct, volumeUnitPrice } from '../../domain/price-book.js';
import { billedRenewal, changeFigures, renewalFigures } from '../../domain/subscription-billing.js';
import { periodEnd, periodStart } from '../../domain/terms.js';
import { recordAudit } from '../audit/log.js';
import type { Database } from '../store/database.js';
import type { SubscriptionRow } from '../store/schema.js';
import { auditedSubscription, periodsOf } from './lifecycle.js';
import { lockSubscription, updateBilling } from './repository.js';

/**
 * What a paid order does to a billed subscription, in the payment's transaction, under the
 * subscription's lock: a change applies at once, a renewal moves the period on by one.
 */

interface Paid {
  subscriptionId: string;
  /** The item's invoice lines, as priced. */
  lines: readonly { amount: number; unitAmount: number }[];
  /** When the order was priced. */
  pricedAt: number;
  actor: string;
}

async function locked(tx: Database, id: string): Promise<SubscriptionRow> {
  const row = await lockSubscription(tx, id);
  if (row === undefined) throw new Error(`the subscription ${id} of a paid order is gone`);
  return row;
}

async function audit(
  tx: Database,
  now: Date,
  actor: string,
  before: SubscriptionRow,
  after: SubscriptionRow,
  action: string,
) {
  await recordAudit(tx, now, [
    {
      actor,
      accountId: before.account_id,
      entity: 'subscription',
      entityId: before.id,
      action,
      before: {
        ...auditedSubscription(before),
        unitPrice: before.unit_price,
        creditBalance: before.credit_balance,
      },
      after: {
        ...auditedSubscription(after),
        unitPrice: after.unit_price,
        creditBalance: after.credit_balance,
      },
    },
  ]);
}

/** A paid change: the new connections serve at once, whatever is in use; the period's totals follow. */
export async function scaleSubscriptionIn(
  tx: Database,
  paid: Paid & { connections: number; book: PriceBook },
  now: Date,
): Promise<SubscriptionRow> {
  const row = await locked(tx, paid.subscriptionId);
  // The price it was charged at: the order's book, for the new quantity.
  const product = subscriptionProduct(paid.book, row.period);
  if (product === undefined) throw new Error(`${paid.book.version} sells no ${row.period} subscription`);
  const { credit, charge, kept } = changeFigures(paid.lines);
  // Priced in a period that has since been renewed: its totals belong to that period, not this one.
  const samePeriod = paid.pricedAt >= periodStart(periodsOf(row), row.period).getTime();
  const changes = {
    seats: paid.connections,
    unit_price: volumeUnitPrice(product.tiers, paid.connections),
    credit_balance: row.credit_balance + kept,
    ...(samePeriod
      ? { period_charged: row.period_charged + charge, period_credited: row.period_credited + credit }
      : {}),
  };
  await updateBilling(tx, row.id, changes);
  const after = { ...row, ...changes };
  await audit(tx, now, paid.actor, row, after, 'scaled');
  return after;
}

/**
 * A paid renewal: one more period, from the current end (paid in the grace too), or from now once
 * the grace ran out; the new period starts with its own charge and the credit it used is spent.
 */
export async function renewBilledSubscriptionIn(
  tx: Database,
  paid: Paid,
  now: Date,
): Promise<SubscriptionRow> {
  const row = await locked(tx, paid.subscriptionId);
  const { charged, unitPrice, creditUsed } = renewalFigures(paid.lines);
  const next = billedRenewal(periodsOf(row), row.period, now);
  const changes = {
    period_anchor: next.anchor.getTime(),
    period_count: next.count,
    period_ends_at: periodEnd(next, row.period).getTime(),
    period_charged: charged,
    period_credited: 0,
    credit_balance: Math.max(0, row.credit_balance - creditUsed),
    unit_price: unitPrice,
  };
  await updateBilling(tx, row.id, changes);
  const after = { ...row, ...changes };
  await audit(tx, now, paid.actor, row, after, 'renewed');
  return after;
}
