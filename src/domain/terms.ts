/** Support/upgrade terms: calendar arithmetic in UTC, with no clock reads. */

export interface Window {
  starts: Date;
  ends: Date;
}

export const DAY_MS = 86_400_000;

/** The same calendar date `years` later; 29 February becomes 28 February in a common year. */
export function addYears(instant: Date, years: number): Date {
  const result = new Date(instant.getTime());
  const month = result.getUTCMonth();
  result.setUTCFullYear(result.getUTCFullYear() + years);
  if (result.getUTCMonth() !== month) result.setUTCDate(0);
  return result;
}

/** The same day of the month `months` later; the 31st becomes the month's last day when it has none. */
export function addMonths(instant: Date, months: number): Date {
  const result = new Date(instant.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}

/** A new key's term starts on its purchase date, not on its activation. */
export const termFromPurchase = (purchasedAt: Date, years: number): Window => ({
  starts: purchasedAt,
  ends: addYears(purchasedAt, years),
});

/** Windows are half open: a term that ends at noon no longer counts at noon. */
export const isWithin = (window: Window, now: Date): boolean =>
  window.starts.getTime() <= now.getTime() && now.getTime() < window.ends.getTime();

export const addDays = (instant: Date, days: number): Date => new Date(instant.getTime() + days * DAY_MS);

/** `2027-11-23` for messages meant for people. */
export const isoDate = (instant: Date): string => instant.toISOString().slice(0, 10);

export type Period = 'monthly' | 'yearly';

export const addPeriod = (instant: Date, period: Period, count = 1): Date =>
  period === 'monthly' ? addMonths(instant, count) : addYears(instant, count);

/**
 * A subscription's periods: whole periods counted from an anchor, so that a month end is not
 * shortened for good (31 January, 28 February, 31 March, not 28 March).
 */
export interface Periods {
  anchor: Date;
  count: number;
}

export const periodEnd = ({ anchor, count }: Periods, period: Period): Date =>
  addPeriod(anchor, period, count);

/** Where the current period began: the end of the one before it. */
export const periodStart = ({ anchor, count }: Periods, period: Period): Date =>
  addPeriod(anchor, period, count - 1);

/** A renewal: one more period when renewed in advance; once ended, a new period from now (not back-dated). */
export const renewed = (periods: Periods, period: Period, now: Date): Periods =>
  periodEnd(periods, period).getTime() > now.getTime()
    ? { anchor: periods.anchor, count: periods.count + 1 }
    : { anchor: now, count: 1 };

/** Auto-renewal: whole periods from the same anchor until the end lies after `now`, with no gap. */
export function autoRenewed(periods: Periods, period: Period, now: Date): Periods {
  let count = periods.count;
  while (addPeriod(periods.anchor, period, count).getTime() <= now.getTime()) count++;
  return { anchor: periods.anchor, count };
}
