import { describe, expect, it } from 'vitest';
import { money, zero } from './money.js';
import { dayOfPeriod, periodDays, prorate, type SubscriptionPeriod } from './proration.js';

const at = (iso: string): Date => new Date(iso);

/** November 2026: 30 days. 100 connections at $10.00 a month, paid in full. */
const NOVEMBER: SubscriptionPeriod = {
  period: { starts: at('2026-11-01T00:00:00.000Z'), ends: at('2026-12-01T00:00:00.000Z') },
  quantity: 100,
  periodTotal: money(100_000),
  charged: money(100_000),
  credited: zero(),
};

const proration = (current: SubscriptionPeriod, quantity: number, periodTotal: number, when: string) => {
  const result = prorate(current, { quantity, periodTotal: money(periodTotal), at: at(when) });
  if (!result.ok) throw new Error(result.error.detail);
  return result.value;
};

describe('prorate', () => {
  it('100 → 150 connections on day 10 of a 30-day month, to the cent', () => {
    // Day 10 is 10 November; it counts as used: days 1-10 at 100 connections, days 11-30 remain.
    // Unused:    $1,000.00 × 20/30 = $666.666… → $666.67 credited
    // Remaining: 150 × $10.00 = $1,500.00; $1,500.00 × 20/30 = $1,000.00 charged
    // Due:       $1,000.00 − $666.67 = $333.33
    const result = proration(NOVEMBER, 150, 150_000, '2026-11-10T09:30:00.000Z');
    expect(result.usedDays).toBe(10);
    expect(result.remainingDays).toBe(20);
    expect(result.periodDays).toBe(30);
    expect(result.credit).toEqual(money(66_667));
    expect(result.charge).toEqual(money(100_000));
    expect(result.due).toEqual(money(33_333));
    expect(result.creditLeft).toEqual(money(0));
    expect(result.lines.map((line) => [line.description, line.amount.amount])).toEqual([
      [
        'Unused time on 100 connections, 20 of 30 days (2026-11-11 to 2026-11-30): $1,000.00 × 20/30',
        -66_667,
      ],
      [
        'Remaining time on 150 connections, 20 of 30 days (2026-11-11 to 2026-11-30): $1,500.00 × 20/30',
        100_000,
      ],
    ]);
    expect(result.charged).toEqual(money(200_000));
    expect(result.credited).toEqual(money(66_667));
  });

  it('scales down: the credit beyond the charge is left to the customer', () => {
    // 100 → 40 on day 10: credit $666.67 as above; charge $400.00 × 20/30 = $266.666… → $266.67.
    const result = proration(NOVEMBER, 40, 40_000, '2026-11-10T00:00:00.000Z');
    expect(result.charge).toEqual(money(26_667));
    expect(result.due).toEqual(money(0));
    expect(result.creditLeft).toEqual(money(40_000)); // $666.67 − $266.67
  });

  it('counts the change day as used, from its first to its last instant', () => {
    expect(proration(NOVEMBER, 150, 150_000, '2026-11-10T00:00:00.000Z').remainingDays).toBe(20);
    expect(proration(NOVEMBER, 150, 150_000, '2026-11-10T23:59:59.999Z').remainingDays).toBe(20);
    expect(proration(NOVEMBER, 150, 150_000, '2026-11-01T00:00:00.000Z').remainingDays).toBe(29);
    const lastDay = proration(NOVEMBER, 150, 150_000, '2026-11-30T12:00:00.000Z');
    expect([lastDay.remainingDays, lastDay.credit.amount, lastDay.charge.amount]).toEqual([0, 0, 0]);
    expect(lastDay.lines[1].description).toBe(
      'Remaining time on 150 connections, 0 of 30 days: $1,500.00 × 0/30',
    );
  });

  it('counts calendar days of a period that starts mid-day, to the day before its end date', () => {
    const period = { starts: at('2027-02-10T14:00:00.000Z'), ends: at('2027-03-10T14:00:00.000Z') };
    expect(periodDays(period)).toBe(28);
    expect(dayOfPeriod(period, at('2027-02-10T15:00:00.000Z'))).toBe(1);
    // 10 March before 14:00 is still in the period, but its calendar days are all used.
    const late = proration({ ...NOVEMBER, period }, 150, 150_000, '2027-03-10T09:00:00.000Z');
    expect([late.usedDays, late.remainingDays]).toEqual([28, 0]);
    expect(periodDays({ starts: at('2028-01-15T00:00:00Z'), ends: at('2029-01-15T00:00:00Z') })).toBe(366);
  });

  it('never credits more than the period still holds: charged less credits already given', () => {
    // $1,000.00 charged, $900.00 already credited: an uncapped $666.67 becomes $100.00.
    const result = proration({ ...NOVEMBER, credited: money(90_000) }, 150, 150_000, '2026-11-10T00:00:00Z');
    expect(result.credit).toEqual(money(10_000));
    expect(result.lines[0].amount).toEqual(money(-10_000));
    expect(result.lines[0].description).toBe(
      'Unused time on 100 connections, 20 of 30 days (2026-11-11 to 2026-11-30): $1,000.00 × 20/30 = $666.67, ' +
        'capped at $100.00 (charged for this period less credits given)',
    );
  });

  it('two upgrades in one period never credit more than was charged for it', () => {
    // A promotion charged $300.00 for 100 connections whose list price is $1,000.00.
    const promoted = { ...NOVEMBER, charged: money(30_000) };
    // Day 1 → 150: unused $1,000.00 × 29/30 = $966.67, capped at $300.00; charge $1,500.00 × 29/30 = $1,450.00.
    const first = proration(promoted, 150, 150_000, '2026-11-01T08:00:00Z');
    expect([first.credit.amount, first.charge.amount]).toEqual([30_000, 145_000]);
    // Day 2 → 200: unused $1,500.00 × 28/30 = $1,400.00, within $1,750.00 − $300.00 = $1,450.00;
    // charge $2,000.00 × 28/30 = $1,866.666… → $1,866.67, so $1,750.00 + $1,866.67 = $3,616.67 charged.
    const second = proration(
      {
        ...promoted,
        quantity: 150,
        periodTotal: money(150_000),
        charged: first.charged,
        credited: first.credited,
      },
      200,
      200_000,
      '2026-11-02T08:00:00Z',
    );
    expect(second.credit).toEqual(money(140_000));
    expect(second.credited).toEqual(money(170_000));
    expect(second.charged).toEqual(money(361_667));
    expect(second.credited.amount).toBeLessThanOrEqual(second.charged.amount);
  });

  it('credits nothing for a period that was free (a 100% discount)', () => {
    const free = { ...NOVEMBER, charged: zero() };
    const result = proration(free, 150, 150_000, '2026-11-10T00:00:00Z');
    expect(result.credit).toEqual(money(0));
    expect(result.due).toEqual(money(100_000));
  });

  it('refuses a change outside the period or to no connections', () => {
    const outside = prorate(NOVEMBER, {
      quantity: 150,
      periodTotal: money(150_000),
      at: at('2026-12-01T00:00:00Z'),
    });
    expect(outside).toMatchObject({ ok: false, error: { code: 'validation_failed', field: 'at' } });
    const before = prorate(NOVEMBER, {
      quantity: 150,
      periodTotal: money(150_000),
      at: at('2026-10-31T23:59:59Z'),
    });
    expect(before.ok).toBe(false);
    const none = prorate(NOVEMBER, { quantity: 0, periodTotal: money(0), at: at('2026-11-10T00:00:00Z') });
    expect(none).toMatchObject({ ok: false, error: { code: 'validation_failed', field: 'quantity' } });
  });
});
