/** Support/upgrade terms: calendar arithmetic in UTC, with no clock reads. */

export interface Window {
  starts: Date;
  ends: Date;
}

const DAY_MS = 86_400_000;

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
 * A subscription's end after a renewal: one period after its current end when renewed in advance,
 * one period after the renewal when it had already ended (it is not back-dated).
 */
export const renewedEnd = (ends: Date, period: Period, now: Date): Date =>
  addPeriod(ends.getTime() > now.getTime() ? ends : now, period);

/** Auto-renewal: the end moved on by whole periods until it lies after `now`, with no gap. */
export function autoRenewedEnd(ends: Date, period: Period, now: Date): Date {
  let periods = 0;
  let end = ends;
  while (end.getTime() <= now.getTime()) end = addPeriod(ends, period, ++periods);
  return end;
}
