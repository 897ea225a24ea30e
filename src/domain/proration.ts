import { fail, ok, type Result } from './errors.js';
import { add, formatMoney, type Money, max, min, ratioOf, subtract, zero } from './money.js';
import { addDays, DAY_MS, isoDate, type Window } from './terms.js';
import { plural } from './text.js';

/**
 * A subscription scaled mid-period, as Access Server bills it: "the remaining value is computed
 * daily and given as a credit; a new invoice at the cost per connection; credits applied; the
 * remainder requested as payment".
 *
 * Days are UTC calendar days. The period's days run from the date it starts to the day before
 * the date it ends. The day of the change counts as used: it is billed at the old quantity, and
 * the new quantity from the next day (its seats serve at once; the rest of that day is not billed).
 * So a change on day 10 of a 30-day period leaves 20 days to credit and to charge.
 */
export interface SubscriptionPeriod {
  /** The current billing period, [starts, ends). */
  period: Window;
  quantity: number;
  /** The full-period price of the current quantity, at the price the customer keeps. */
  periodTotal: Money;
  /** Everything charged for this period so far: its own charge and every proration charge. */
  charged: Money;
  /** Credits already given against this period. */
  credited: Money;
}

export interface ScaleChange {
  quantity: number;
  /** The full-period price of the new quantity (from the price book in force for the customer). */
  periodTotal: Money;
  at: Date;
}

export interface ProrationLine {
  kind: 'credit' | 'charge';
  quantity: number;
  days: number;
  periodDays: number;
  /** How a person checks it: the day count, the dates and the formula. */
  description: string;
  /** Negative for a credit. */
  amount: Money;
}

export interface Proration {
  usedDays: number;
  remainingDays: number;
  periodDays: number;
  lines: [ProrationLine, ProrationLine];
  credit: Money;
  charge: Money;
  /** What the customer pays now: the charge after the credit. */
  due: Money;
  /** Credit beyond the charge (scaling down), kept for the customer's next invoices. */
  creditLeft: Money;
  /** The period's running totals after this change, for the cap of the next one. */
  charged: Money;
  credited: Money;
}

const utcDay = (instant: Date): number =>
  Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate());

const daysBetween = (from: Date, to: Date): number => Math.round((utcDay(to) - utcDay(from)) / DAY_MS);

/** Calendar days of a period: November's is 30, 10 November to 10 December is 30 too. */
export const periodDays = (period: Window): number => daysBetween(period.starts, period.ends);

/** The day of the period `at` falls on, counting the first as 1. */
export const dayOfPeriod = (period: Window, at: Date): number => daysBetween(period.starts, at) + 1;

/** The days a line covers: `days` of the period's `total`, from `from` on. */
interface Span {
  days: number;
  total: number;
  from: Date;
}

function lineText(what: string, quantity: number, periodTotal: Money, { days, total, from }: Span): string {
  const dates = days === 0 ? '' : ` (${isoDate(from)} to ${isoDate(addDays(from, days - 1))})`;
  return `${what} on ${plural(quantity, 'connection')}, ${days} of ${total} days${dates}: ${formatMoney(periodTotal)} × ${days}/${total}`;
}

export function prorate(current: SubscriptionPeriod, change: ScaleChange): Result<Proration> {
  const { period } = current;
  if (change.at.getTime() < period.starts.getTime() || change.at.getTime() >= period.ends.getTime())
    return fail('validation_failed', 'A change is prorated within the current period only.', 'at');
  if (!Number.isSafeInteger(change.quantity) || change.quantity < 1)
    return fail(
      'validation_failed',
      'A subscription has a whole number of connections, 1 or more.',
      'quantity',
    );
  const total = periodDays(period);
  const usedDays = Math.min(total, dayOfPeriod(period, change.at));
  const remainingDays = total - usedDays;
  const firstRemaining = addDays(new Date(utcDay(period.starts)), usedDays);

  // The credit never exceeds what this period still holds: charged, less credits already given.
  const unused = ratioOf(current.periodTotal, remainingDays, total);
  const stillHeld = max(subtract(current.charged, current.credited), zero(current.charged.currency));
  const credit = min(unused, stillHeld);
  const capped = credit.amount < unused.amount;
  const charge = ratioOf(change.periodTotal, remainingDays, total);

  const span: Span = { days: remainingDays, total, from: firstRemaining };
  const creditText = lineText('Unused time', current.quantity, current.periodTotal, span);
  const lines: [ProrationLine, ProrationLine] = [
    {
      kind: 'credit',
      quantity: current.quantity,
      days: remainingDays,
      periodDays: total,
      description: capped
        ? `${creditText} = ${formatMoney(unused)}, capped at ${formatMoney(credit)} (charged for this period less credits given)`
        : creditText,
      amount: subtract(zero(credit.currency), credit),
    },
    {
      kind: 'charge',
      quantity: change.quantity,
      days: remainingDays,
      periodDays: total,
      description: lineText('Remaining time', change.quantity, change.periodTotal, span),
      amount: charge,
    },
  ];
  const none = zero(charge.currency);
  return ok({
    usedDays,
    remainingDays,
    periodDays: total,
    lines,
    credit,
    charge,
    due: max(subtract(charge, credit), none),
    creditLeft: max(subtract(credit, charge), none),
    charged: add(current.charged, charge),
    credited: add(current.credited, credit),
  });
}
