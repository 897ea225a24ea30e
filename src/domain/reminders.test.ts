import { describe, expect, it } from 'vitest';
import { daysLeft, dueReminder, markWindows, retryDelayMs } from './reminders.js';
import { addDays, addMonths, DAY_MS, termFromPurchase } from './terms.js';

const HOUR = 3_600_000;
const year = termFromPurchase(new Date('2026-01-10T09:00:00Z'), 1);
const ahead = (days: number, extraMs = 0) => new Date(addDays(year.ends, -days).getTime() + extraMs);

describe('which expiry reminder is due', () => {
  it('is none until 60 days before the end', () => {
    expect(dueReminder(year, new Date('2026-06-01T00:00:00Z'))).toBeUndefined();
    expect(dueReminder(year, ahead(60, -1))).toBeUndefined();
  });

  it('is the 60-day one from 60 days before, the 30-day one from 30, the 3-day one from 3', () => {
    expect(dueReminder(year, ahead(60))).toBe(60);
    expect(dueReminder(year, ahead(31))).toBe(60);
    expect(dueReminder(year, ahead(30))).toBe(30);
    expect(dueReminder(year, ahead(4))).toBe(30);
    expect(dueReminder(year, ahead(3))).toBe(3);
    expect(dueReminder(year, ahead(0, -1))).toBe(3);
  });

  it('is none once the term has ended', () => {
    expect(dueReminder(year, year.ends)).toBeUndefined();
    expect(dueReminder(year, ahead(-5))).toBeUndefined();
  });

  it('is the latest mark reached, so a service that was down does not send a stale one', () => {
    expect(dueReminder(year, ahead(12))).toBe(30);
  });

  it('skips a mark in the first half of the term: a month gets its 3-day reminder only', () => {
    const may = {
      starts: new Date('2026-05-01T00:00:00Z'),
      ends: addMonths(new Date('2026-05-01T00:00:00Z'), 1),
    };
    // May has 31 days: its 30-day mark is the day after it began.
    expect(dueReminder(may, addDays(may.ends, -30))).toBeUndefined();
    expect(dueReminder(may, addDays(may.ends, -29))).toBeUndefined();
    expect(dueReminder(may, addDays(may.ends, -3))).toBe(3);
    const shortYear = termFromPurchase(new Date('2026-01-10T09:00:00Z'), 1);
    expect(dueReminder(shortYear, addDays(shortYear.ends, -60))).toBe(60);
  });
});

describe('the windows a store narrows its candidates with', () => {
  it('hold, for each mark, exactly the ends for which it is the one due', () => {
    const now = new Date('2027-01-01T00:00:00Z');
    for (const window of markWindows(now)) {
      const term = (ends: number) => ({ starts: new Date(ends - 365 * DAY_MS), ends: new Date(ends) });
      expect(dueReminder(term(window.upTo), now)).toBe(window.mark);
      expect(dueReminder(term(window.after + 1), now)).toBe(window.mark);
      expect(dueReminder(term(window.after), now)).not.toBe(window.mark);
    }
  });
});

describe('what a reminder says', () => {
  it('counts whole days left, rounded up', () => {
    expect(daysLeft(year.ends, ahead(30))).toBe(30);
    expect(daysLeft(year.ends, ahead(29, -HOUR))).toBe(30);
    expect(daysLeft(year.ends, ahead(0, -1))).toBe(1);
    expect(daysLeft(year.ends, ahead(-1))).toBe(0);
  });
});

describe('retrying a failed send', () => {
  it('doubles from a minute up to an hour', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(retryDelayMs(30)).toBe(3_600_000);
  });
});
