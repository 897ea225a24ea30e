import { billedSubscriptionOf, type OrderItem } from '../../domain/order.js';
import type { BillableSubscription } from '../../domain/subscription-billing.js';
import { periodStart } from '../../domain/terms.js';
import type { Database } from '../store/database.js';
import { periodsOf } from '../subscriptions/lifecycle.js';
import { leasedIn, liveUse, subscriptionById } from '../subscriptions/repository.js';
import { openOrdersOf } from './order-repository.js';
import { orderItems } from './views.js';

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
  const ids = items.flatMap((item) => billedSubscriptionOf(item) ?? []);
  if (ids.length === 0) return found;
  const open = await openOrdersOf(db, accountId);
  for (const id of ids) {
    const row = await subscriptionById(db, id);
    if (row === undefined || row.account_id !== accountId) continue;
    const inUse =
      row.mode === 'lease'
        ? await leasedIn(db, row.id, now.getTime())
        : (await liveUse(db, row, '', now.getTime())).used;
    const openOrders = open.flatMap((order) =>
      orderItems(order).flatMap((item) =>
        (item.type === 'subscription_change' || item.type === 'subscription_renewal') &&
        item.subscriptionId === id
          ? [{ number: order.number, type: item.type }]
          : [],
      ),
    );
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
      openOrders,
    });
  }
  return found;
}
