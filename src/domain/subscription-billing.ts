import { fail, ok, type Result } from './errors.js';
import { type Money, money, times } from './money.js';
import { type PriceBook, priceLine, subscriptionProduct, volumeUnitPrice } from './price-book.js';
import { prorate } from './proration.js';
import {
  addDays,
  isoDate,
  type Period,
  type Periods,
  periodEnd,
  periodStart,
  renewed,
  type Window,
} from './terms.js';
import { plural } from './text.js';

/**
 * A subscription bought through an order is billed every period: each period is an invoice that
 * is paid, and a change of connections mid-period is prorated by day (see `prorate`).
 */

/**
 * How long a billed subscription keeps working after its period ended unpaid. Two weeks: a
 * declined card or a slow accounts-payable run should not cut a customer's tunnels off on the
 * day, and an abandoned subscription does not serve for free for long.
 */
export const BILLING_GRACE_DAYS = 14;

export type BillingStatus = 'paid' | 'grace' | 'ended';

export const graceEnds = (periodEnds: Date): Date => addDays(periodEnds, BILLING_GRACE_DAYS);

export function billingStatus(periodEnds: Date, now: Date): BillingStatus {
  if (now.getTime() < periodEnds.getTime()) return 'paid';
  return now.getTime() < graceEnds(periodEnds).getTime() ? 'grace' : 'ended';
}

/**
 * The periods after a paid renewal: the next period follows the current one, even when paid in
 * the grace (the subscription served meanwhile); once the grace ran out, a new period from now.
 */
export const billedRenewal = (periods: Periods, period: Period, now: Date): Periods =>
  renewed(
    periods,
    period,
    billingStatus(periodEnd(periods, period), now) === 'ended' ? now : periodStart(periods, period),
  );

/**
 * Orders for one subscription are taken one at a time: each is priced on the subscription as it
 * stands (its connections, its period), which an order paid meanwhile would change.
 */
export const orderWaiting = (subscriptionId: string, number: string, field: string) =>
  fail(
    'subscription_order_open',
    `The order ${number} for the subscription ${subscriptionId} is waiting for payment: pay or cancel it first.`,
    field,
  );

/** A subscription as its billing sees it, read for an order that names it. */
export interface BillableSubscription {
  id: string;
  billed: boolean;
  seats: number;
  period: Period;
  /** The current period, [starts, ends). */
  window: Window;
  /** Minor units per connection of the current period; null when not billed. */
  unitPrice: number | null;
  charged: number;
  credited: number;
  creditBalance: number;
  /** Connections in use now: live tunnels (reconcile) or leased seats (lease). */
  inUse: { count: number; mode: 'reconcile' | 'lease' };
  /** Orders naming it that wait for payment. */
  openOrders: { number: string }[];
}

/** An invoice line of a subscription item, before it is tied to its item. */
export interface BillingLine {
  description: string;
  quantity: number;
  unitAmount: number;
  amount: number;
}

export interface PricedBilling {
  lines: BillingLine[];
  /** What the purchase rules judge: the connections the subscription will have. */
  connections: number;
}

/** A line of one amount (a proration or a credit): quantity 1, so amount = quantity × unitAmount. */
const flat = (description: string, amount: Money): BillingLine => ({
  description,
  quantity: 1,
  unitAmount: amount.amount,
  amount: amount.amount,
});

const notBilled = (sub: BillableSubscription, field: string) =>
  fail(
    'subscription_not_billed',
    `The subscription ${sub.id} was created by vendor staff, not bought through an order: ask them to change it.`,
    field,
  );

function inUseText({ count, mode }: BillableSubscription['inUse']): string {
  return mode === 'lease'
    ? `${plural(count, 'seat')} of its pool ${count === 1 ? 'is' : 'are'} leased now`
    : `${plural(count, 'tunnel')} ${count === 1 ? 'is' : 'are'} connected in its pool now`;
}

/**
 * A change of connections now, prorated over the rest of the current period: a credit for the
 * old quantity's unused days, a charge for the new one's. A credit beyond the charge is kept for
 * the next invoices, so an order never totals less than zero.
 */
export function priceChange(
  book: PriceBook,
  sub: BillableSubscription,
  change: { connections: number; force?: boolean | undefined },
  now: Date,
  field: string,
): Result<PricedBilling> {
  if (!sub.billed || sub.unitPrice === null) return notBilled(sub, field);
  const ends = sub.window.ends;
  const status = billingStatus(ends, now);
  if (status === 'ended')
    return fail(
      'subscription_expired',
      `The subscription ${sub.id} ended on ${isoDate(ends)}: renew it.`,
      field,
    );
  if (status === 'grace')
    return fail(
      'subscription_renewal_due',
      `The period of ${sub.id} ended on ${isoDate(ends)} unpaid: pay its renewal, then change it.`,
      field,
    );
  if (now.getTime() < sub.window.starts.getTime())
    return fail(
      'subscription_period_paid',
      `The next period of ${sub.id} is paid already: change it from ${isoDate(sub.window.starts)}, when that period starts.`,
      field,
    );
  const [open] = sub.openOrders;
  if (open !== undefined) return orderWaiting(sub.id, open.number, field);
  const { connections } = change;
  if (!Number.isSafeInteger(connections) || connections < 1)
    return fail(
      'validation_failed',
      'A subscription has a whole number of connections, 1 or more.',
      `${field}/connections`,
    );
  if (connections === sub.seats)
    return fail(
      'validation_failed',
      `${sub.id} has ${plural(connections, 'connection')} already.`,
      `${field}/connections`,
    );
  if (connections < sub.inUse.count && change.force !== true)
    return fail(
      'subscription_in_use',
      `${inUseText(sub.inUse)}, more than ${connections}: disconnect some first, or force the change and the pool keeps ${connections}.`,
      `${field}/connections`,
    );
  const product = subscriptionProduct(book, sub.period);
  if (product === undefined)
    return fail(
      'product_not_found',
      `Price book ${book.version} sells no ${sub.period} subscription.`,
      field,
    );
  const currency = book.currency;
  const unit = money(volumeUnitPrice(product.tiers, connections), currency);
  const prorated = prorate(
    {
      period: sub.window,
      quantity: sub.seats,
      periodTotal: money(sub.unitPrice * sub.seats, currency),
      charged: money(sub.charged, currency),
      credited: money(sub.credited, currency),
    },
    { quantity: connections, periodTotal: times(unit, connections), at: now },
  );
  if (!prorated.ok) return prorated;
  const [credit, charge] = prorated.value.lines;
  const lines = [flat(credit.description, credit.amount), flat(charge.description, charge.amount)];
  if (prorated.value.creditLeft.amount > 0)
    lines.push(flat('Credit kept for your next invoices', prorated.value.creditLeft));
  return ok({ lines, connections });
}

/**
 * The next period's invoice: today's price for the subscription's period × its connections (the
 * seeds: renewals at the current price), less the credit earlier changes left.
 */
export function priceRenewal(
  book: PriceBook,
  sub: BillableSubscription,
  now: Date,
  field: string,
): Result<PricedBilling> {
  if (!sub.billed) return notBilled(sub, field);
  const [open] = sub.openOrders;
  if (open !== undefined) return orderWaiting(sub.id, open.number, field);
  const product = subscriptionProduct(book, sub.period);
  if (product === undefined)
    return fail(
      'product_not_found',
      `Price book ${book.version} sells no ${sub.period} subscription.`,
      field,
    );
  const priced = priceLine(book, product, sub.seats);
  if (!priced.ok) return priced;
  const { description, quantity, unitPrice, total } = priced.value;
  const ends = sub.window.ends;
  const from = billingStatus(ends, now) === 'ended' ? 'the day it is paid' : isoDate(ends);
  const lines: BillingLine[] = [
    {
      description: `${description}, the ${sub.period === 'monthly' ? 'month' : 'year'} from ${from}`,
      quantity,
      unitAmount: unitPrice.amount,
      amount: total.amount,
    },
  ];
  const used = Math.min(sub.creditBalance, total.amount);
  if (used > 0) lines.push(flat('Credit from earlier changes', money(-used, book.currency)));
  return ok({ lines, connections: sub.seats });
}

/** A paid change's figures, read back from its lines in the order `priceChange` writes them. */
export function changeFigures(lines: readonly { amount: number }[]) {
  return { credit: -(lines[0]?.amount ?? 0), charge: lines[1]?.amount ?? 0, kept: lines[2]?.amount ?? 0 };
}

/** A paid renewal's figures, read back from its lines in the order `priceRenewal` writes them. */
export function renewalFigures(lines: readonly { amount: number; unitAmount: number }[]) {
  return {
    charged: lines[0]?.amount ?? 0,
    unitPrice: lines[0]?.unitAmount ?? 0,
    creditUsed: -(lines[1]?.amount ?? 0),
  };
}
