import { fail, ok, type Result } from '../../domain/errors.js';
import type { OrderItem } from '../../domain/order.js';
import { type BillableSubscription, orderWaiting } from '../../domain/subscription-billing.js';
import { periodStart } from '../../domain/terms.js';
import type { Database } from '../store/database.js';
import type { OrderRow, SubscriptionRow } from '../store/schema.js';
import { periodsOf } from '../subscriptions/lifecycle.js';
import { leasedIn, liveUse, lockSubscription, subscriptionById } from '../subscriptions/repository.js';
import { openOrdersOf } from './order-repository.js';
import { orderItems } from './views.js';

type BillingItem = Extract<OrderItem, { subscriptionId: string }>;

const isBilling = (item: OrderItem): item is BillingItem =>
  item.type === 'subscription_change' || item.type === 'subscription_renewal';

/** The open orders' items that bill `subscriptionId`. */
const openFor = (open: readonly OrderRow[], subscriptionId: string) =>
  open.flatMap((order) =>
    orderItems(order).flatMap((item) =>
      isBilling(item) && item.subscriptionId === subscriptionId ? [{ number: order.number }] : [],
    ),
  );

/**
 * The subscriptions an order changes or renews, as its pricing needs them; one of another account
 * is left out, so it answers as unknown.
 */
export async function billableSubscriptions(
  db: Database,
  accountId: string,
  items: readonly OrderItem[],
  now: Date,
): Promise<Map<string, BillableSubscription>> {
  const found = new Map<string, BillableSubscription>();
  const billing = items.filter(isBilling);
  if (billing.length === 0) return found;
  const open = await openOrdersOf(db, accountId);
  for (const { subscriptionId: id } of billing) {
    const row = await subscriptionById(db, id);
    if (row === undefined || row.account_id !== accountId) continue;
    // The whole pool's tunnels: no member's own share is wanted.
    const inUse =
      row.mode === 'lease'
        ? await leasedIn(db, row.id, now.getTime())
        : (await liveUse(db, row, '', now.getTime())).used;
    found.set(id, {
      id,
      billed: row.billed === 1,
      seats: row.seats,
      period: row.period,
      window: { starts: periodStart(periodsOf(row), row.period), ends: new Date(row.period_ends_at) },
      unitPrice: row.unit_price,
      charged: row.period_charged,
      credited: row.period_credited,
      creditBalance: row.credit_balance,
      inUse: { count: inUse, mode: row.mode },
      openOrders: openFor(open, id),
    });
  }
  return found;
}

const unchanged = (priced: BillableSubscription, row: SubscriptionRow): boolean =>
  priced.seats === row.seats &&
  priced.window.ends.getTime() === row.period_ends_at &&
  priced.unitPrice === row.unit_price &&
  priced.charged === row.period_charged &&
  priced.credited === row.period_credited &&
  priced.creditBalance === row.credit_balance;

/**
 * Pricing read the subscriptions and their open orders before the transaction; under each
 * subscription's lock, this checks again that neither changed meanwhile (another order placed, or
 * paid and applied), so that of two orders priced at once on one state, one is refused.
 */
export async function checkTurn(
  tx: Database,
  order: OrderRow,
  seen: ReadonlyMap<string, BillableSubscription>,
): Promise<Result<void>> {
  const items = orderItems(order);
  for (const [index, item] of items.entries()) {
    if (!isBilling(item)) continue;
    const locked = await lockSubscription(tx, item.subscriptionId);
    if (locked === undefined)
      return fail(
        'subscription_not_found',
        `There is no subscription ${item.subscriptionId}.`,
        `items/${index}`,
      );
    // Whatever the price was made of must be as it was: seats, period, charges, credits.
    const priced = seen.get(item.subscriptionId);
    if (priced !== undefined && !unchanged(priced, locked))
      return fail(
        'subscription_changed',
        `The subscription ${item.subscriptionId} changed while this order was priced: order again, at its new state.`,
        `items/${index}`,
      );
    const open = openFor(await openOrdersOf(tx, order.account_id), item.subscriptionId);
    const [waiting] = open;
    if (waiting !== undefined) return orderWaiting(item.subscriptionId, waiting.number, `items/${index}`);
  }
  return ok(undefined);
}
