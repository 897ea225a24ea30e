import { fail, ok, type Result } from '../../domain/errors.js';
import type { OrderItem } from '../../domain/order.js';
import { type BillableSubscription, orderWaiting } from '../../domain/subscription-billing.js';
import { periodStart } from '../../domain/terms.js';
import type { Database } from '../store/database.js';
import type { OrderRow } from '../store/schema.js';
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

/**
 * Pricing read the open orders before the transaction; under each subscription's lock, this
 * checks again that none was placed meanwhile, so of two orders placed at once one is refused.
 */
export async function checkTurn(tx: Database, order: OrderRow): Promise<Result<void>> {
  const items = orderItems(order);
  for (const [index, item] of items.entries()) {
    if (!isBilling(item)) continue;
    if ((await lockSubscription(tx, item.subscriptionId)) === undefined)
      return fail(
        'subscription_not_found',
        `There is no subscription ${item.subscriptionId}.`,
        `items/${index}`,
      );
    const open = openFor(await openOrdersOf(tx, order.account_id), item.subscriptionId);
    const [waiting] = open;
    if (waiting !== undefined) return orderWaiting(item.subscriptionId, waiting.number, `items/${index}`);
  }
  return ok(undefined);
}
