import type { Failure } from '../../domain/errors.js';
import { billingStatus } from '../../domain/subscription-billing.js';
import { addDays } from '../../domain/terms.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { createOrder } from '../orders/operations.js';
import { ordersByKeyPrefix } from '../orders/order-repository.js';
import { billedEndingBy } from './repository.js';

/** A renewal's invoice is issued this many days before the period it pays for begins. */
export const RENEWAL_NOTICE_DAYS = 7;

/** The job places orders as the service itself, not as a person. */
const SYSTEM: Principal = { kind: 'staff', userId: 'system' };

/**
 * The renewal orders of one period end are keyed alike: every instance derives the same key, so
 * the order is placed once; one the customer canceled is followed by the next number.
 */
const renewalKeyPrefix = (subscriptionId: string, periodEndsAt: number) =>
  `renewal:${subscriptionId}:${periodEndsAt}:`;

export interface BillingPass {
  /** The renewal orders placed (or found placed by another instance). */
  placed: string[];
  /** Renewals waiting for another order of their subscription to be paid or canceled. */
  waiting: { subscriptionId: string; detail: string }[];
  failures: { subscriptionId: string; error: Failure }[];
}

/**
 * Places the renewal order of every billed, auto-renewing subscription whose period ends within
 * RENEWAL_NOTICE_DAYS and that has no open or paid renewal order for that end. Its invoice is
 * issued with it; the customer pays it like any order. Safe on every instance at once.
 */
export async function billSubscriptions(ctx: ServiceContext): Promise<BillingPass> {
  const now = ctx.clock.now();
  const pass: BillingPass = { placed: [], waiting: [], failures: [] };
  const due = await billedEndingBy(ctx.store.db, addDays(now, RENEWAL_NOTICE_DAYS).getTime());
  for (const row of due) {
    // Ended for good: nothing is billed until the customer renews it.
    if (billingStatus(new Date(row.period_ends_at), now) === 'ended') continue;
    const prefix = renewalKeyPrefix(row.id, row.period_ends_at);
    const earlier = await ordersByKeyPrefix(ctx.store.db, row.account_id, prefix);
    if (earlier.some((order) => order.status === 'open' || order.status === 'paid')) continue;
    const placed = await createOrder(
      ctx,
      SYSTEM,
      {
        accountId: row.account_id,
        items: [{ type: 'subscription_renewal', subscriptionId: row.id }],
        paymentMethod: 'card',
      },
      `${prefix}${earlier.length}`,
    );
    if (placed.ok) pass.placed.push(placed.value.id);
    else if (placed.error.code === 'subscription_order_open')
      pass.waiting.push({ subscriptionId: row.id, detail: placed.error.detail });
    else pass.failures.push({ subscriptionId: row.id, error: placed.error });
  }
  return pass;
}
