import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  addYears,
  autoRenewed,
  isoDate,
  isWithin,
  periodEnd,
  renewed,
  termFromPurchase,
} from './terms.js';

const at = (iso: string): Date => new Date(iso);

describe('addYears', () => {
  it('keeps the calendar date and time of day', () => {
    expect(addYears(at('2026-11-23T12:34:56.789Z'), 1).toISOString()).toBe('2027-11-23T12:34:56.789Z');
    expect(addYears(at('2026-01-01T00:00:00.000Z'), 3).toISOString()).toBe('2029-01-01T00:00:00.000Z');
    expect(addYears(at('2026-12-31T23:59:59.999Z'), 1).toISOString()).toBe('2027-12-31T23:59:59.999Z');
  });

  it('turns 29 February into 28 February in a common year', () => {
    expect(addYears(at('2028-02-29T00:00:00.000Z'), 1).toISOString()).toBe('2029-02-28T00:00:00.000Z');
    expect(addYears(at('2028-02-29T18:45:00.000Z'), 1).toISOString()).toBe('2029-02-28T18:45:00.000Z');
    expect(addYears(at('2028-02-29T00:00:00.000Z'), 2).toISOString()).toBe('2030-02-28T00:00:00.000Z');
  });

  it('keeps 29 February when the target year is a leap year', () => {
    expect(addYears(at('2028-02-29T09:00:00.000Z'), 4).toISOString()).toBe('2032-02-29T09:00:00.000Z');
  });

  it('goes back in time for negative years', () => {
    expect(addYears(at('2028-02-29T00:00:00.000Z'), -1).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(addYears(at('2027-06-15T00:00:00.000Z'), -2).toISOString()).toBe('2025-06-15T00:00:00.000Z');
  });

  it('returns the same instant for zero years and never mutates its argument', () => {
    const start = at('2028-02-29T00:00:00.000Z');
    const result = addYears(start, 0);
    expect(result.getTime()).toBe(start.getTime());
    expect(result).not.toBe(start);
    addYears(start, 1);
    expect(start.toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('works in UTC, not local time: 28 Feb 23:30 UTC stays 28 Feb', () => {
    expect(addYears(at('2027-02-28T23:30:00.000Z'), 1).toISOString()).toBe('2028-02-28T23:30:00.000Z');
    expect(addYears(at('2027-03-01T00:30:00.000Z'), 1).toISOString()).toBe('2028-03-01T00:30:00.000Z');
  });
});

describe('termFromPurchase', () => {
  it('starts at the purchase instant and ends the given number of years later', () => {
    const purchasedAt = at('2026-11-23T12:00:00.000Z');
    const term = termFromPurchase(purchasedAt, 1);
    expect(term.starts.getTime()).toBe(purchasedAt.getTime());
    expect(term.ends.toISOString()).toBe('2027-11-23T12:00:00.000Z');
  });

  it('handles multi-year terms and a leap-day purchase', () => {
    expect(termFromPurchase(at('2026-11-23T12:00:00.000Z'), 3).ends.toISOString()).toBe(
      '2029-11-23T12:00:00.000Z',
    );
    const leap = termFromPurchase(at('2028-02-29T08:00:00.000Z'), 1);
    expect(leap.starts.toISOString()).toBe('2028-02-29T08:00:00.000Z');
    expect(leap.ends.toISOString()).toBe('2029-02-28T08:00:00.000Z');
  });
});

describe('isWithin', () => {
  const window = { starts: at('2026-11-23T12:00:00.000Z'), ends: at('2027-11-23T12:00:00.000Z') };

  it('includes its start instant', () => {
    expect(isWithin(window, at('2026-11-23T12:00:00.000Z'))).toBe(true);
  });

  it('excludes the instant before its start', () => {
    expect(isWithin(window, at('2026-11-23T11:59:59.999Z'))).toBe(false);
  });

  it('includes the last millisecond before its end', () => {
    expect(isWithin(window, at('2027-11-23T11:59:59.999Z'))).toBe(true);
  });

  it('excludes its end instant and everything after', () => {
    expect(isWithin(window, at('2027-11-23T12:00:00.000Z'))).toBe(false);
    expect(isWithin(window, at('2030-01-01T00:00:00.000Z'))).toBe(false);
  });

  it('is empty when starts equals ends', () => {
    const empty = { starts: window.starts, ends: window.starts };
    expect(isWithin(empty, window.starts)).toBe(false);
  });
});

describe('addDays and isoDate', () => {
  it('adds whole days of 24 hours', () => {
    expect(addDays(at('2026-11-23T12:00:00.000Z'), 30).toISOString()).toBe('2026-12-23T12:00:00.000Z');
    expect(addDays(at('2028-02-28T12:00:00.000Z'), 1).toISOString()).toBe('2028-02-29T12:00:00.000Z');
    expect(addDays(at('2026-11-23T12:00:00.000Z'), -1).toISOString()).toBe('2026-11-22T12:00:00.000Z');
  });

  it('prints the UTC calendar date', () => {
    expect(isoDate(at('2027-11-23T23:59:59.999Z'))).toBe('2027-11-23');
    expect(isoDate(at('2027-11-24T00:00:00.000Z'))).toBe('2027-11-24');
  });
});

describe('subscription periods', () => {
  it('adds months keeping the day, or the month’s last day', () => {
    expect(addMonths(new Date('2026-01-31T00:00:00Z'), 1).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(addMonths(new Date('2026-11-23T12:00:00Z'), 2).toISOString()).toBe('2027-01-23T12:00:00.000Z');
  });

  it('renews from the end in advance and from the renewal once ended', () => {
    const periods = { anchor: new Date('2026-01-01T00:00:00Z'), count: 1 };
    expect(
      periodEnd(renewed(periods, 'yearly', new Date('2026-06-01T00:00:00Z')), 'yearly').toISOString(),
    ).toBe('2028-01-01T00:00:00.000Z');
    expect(
      periodEnd(renewed(periods, 'monthly', new Date('2027-03-10T00:00:00Z')), 'monthly').toISOString(),
    ).toBe('2027-04-10T00:00:00.000Z');
  });

  it('auto-renews by whole periods with no gap, from the 31st without drifting', () => {
    const periods = { anchor: new Date('2027-01-31T00:00:00Z'), count: 1 };
    const ends = (at: string) =>
      periodEnd(autoRenewed(periods, 'monthly', new Date(at)), 'monthly').toISOString();
    expect(ends('2027-03-05T00:00:00Z')).toBe('2027-03-31T00:00:00.000Z');
    expect(ends('2027-03-31T00:00:00Z')).toBe('2027-04-30T00:00:00.000Z');
    expect(autoRenewed(periods, 'monthly', new Date('2027-02-01T00:00:00Z'))).toEqual(periods);
  });
});
