import { describe, expect, it } from 'vitest';
import type { PriceBook } from './price-book.js';
import {
  type BillableSubscription,
  billedRenewal,
  billingStatus,
  changeFigures,
  priceChange,
  priceRenewal,
  renewalFigures,
} from './subscription-billing.js';

const at = (iso: string): Date => new Date(iso);

const BOOK: PriceBook = {
  version: 'flat',
  effectiveFrom: at('2026-01-01T00:00:00.000Z'),
  currency: 'USD',
  products: [
    {
      kind: 'subscription',
      sku: 'subscription-monthly',
      name: 'Subscription, billed monthly',
      period: 'monthly',
      tiers: [{ upTo: null, unitPrice: 10_00 }],
    },
  ],
};

/** 100 connections at $10.00 for November 2026 (30 days), paid in full. */
const NOVEMBER: BillableSubscription = {
  id: 'sub_x',
  billed: true,
  seats: 100,
  period: 'monthly',
  window: { starts: at('2026-11-01T00:00:00.000Z'), ends: at('2026-12-01T00:00:00.000Z') },
  unitPrice: 10_00,
  charged: 1_000_00,
  credited: 0,
  creditBalance: 0,
  inUse: { count: 0, mode: 'lease' },
  openOrders: [],
};

describe('subscription billing', () => {
  it('is paid until the period ends, in grace for 14 days, then ended, to the millisecond', () => {
    const ends = at('2026-12-01T00:00:00.000Z');
    expect(billingStatus(ends, at('2026-11-30T23:59:59.999Z'))).toBe('paid');
    expect(billingStatus(ends, ends)).toBe('grace');
    expect(billingStatus(ends, at('2026-12-14T23:59:59.999Z'))).toBe('grace');
    expect(billingStatus(ends, at('2026-12-15T00:00:00.000Z'))).toBe('ended');
  });

  it('renews from the current end when paid in time or in the grace, from the payment once ended', () => {
    const periods = { anchor: at('2026-11-01T00:00:00.000Z'), count: 1 };
    expect(billedRenewal(periods, 'monthly', at('2026-11-25T00:00:00.000Z'))).toEqual({
      ...periods,
      count: 2,
    });
    expect(billedRenewal(periods, 'monthly', at('2026-12-10T00:00:00.000Z'))).toEqual({
      ...periods,
      count: 2,
    });
    const late = at('2026-12-15T00:00:00.000Z');
    expect(billedRenewal(periods, 'monthly', late)).toEqual({ anchor: late, count: 1 });
  });

  it('prices a change on day 10 of a 30-day month, and reads the figures back from its lines', () => {
    // $1,000.00 × 20/30 = $666.67 credited; 150 × $10.00 = $1,500.00 × 20/30 = $1,000.00 charged.
    const priced = priceChange(
      BOOK,
      NOVEMBER,
      { connections: 150 },
      at('2026-11-10T09:30:00.000Z'),
      'items/0',
    );
    if (!priced.ok) throw new Error(priced.error.detail);
    expect(priced.value.connections).toBe(150);
    expect(priced.value.lines.map((line) => line.amount)).toEqual([-666_67, 1_000_00]);
    expect(changeFigures(priced.value.lines)).toEqual({ credit: 666_67, charge: 1_000_00, kept: 0 });
  });

  it('keeps the credit of a scale-down beyond its charge, and takes it off the renewal', () => {
    // $1,000.00 × 20/30 = $666.67 credited; $200.00 × 20/30 = $133.33 charged; $533.34 kept.
    const down = priceChange(BOOK, NOVEMBER, { connections: 20 }, at('2026-11-10T09:30:00.000Z'), 'items/0');
    if (!down.ok) throw new Error(down.error.detail);
    expect(down.value.lines.map((line) => line.amount)).toEqual([-666_67, 133_33, 533_34]);
    expect(down.value.lines.reduce((sum, line) => sum + line.amount, 0)).toBe(0);
    // The renewal of 20 connections: $200.00, all of it paid by the $533.34 kept.
    const renewal = priceRenewal(
      BOOK,
      { ...NOVEMBER, seats: 20, creditBalance: 533_34 },
      at('2026-11-25T00:00:00.000Z'),
      'items/0',
    );
    if (!renewal.ok) throw new Error(renewal.error.detail);
    expect(renewal.value.lines.map((line) => line.amount)).toEqual([200_00, -200_00]);
    expect(renewalFigures(renewal.value.lines)).toEqual({
      charged: 200_00,
      unitPrice: 10_00,
      creditUsed: 200_00,
    });
  });

  it('refuses a change below what is in use unless forced, of an unbilled subscription, and while an order waits', () => {
    const now = at('2026-11-10T09:30:00.000Z');
    const change = (sub: BillableSubscription, connections: number, force?: boolean) =>
      priceChange(BOOK, sub, { connections, force }, now, 'items/0');
    const busy = { ...NOVEMBER, inUse: { count: 60, mode: 'lease' as const } };
    expect(change(busy, 60).ok).toBe(true);
    const over = change(busy, 50);
    expect(over.ok || over.error).toMatchObject({
      code: 'subscription_in_use',
      detail:
        '60 seats of its pool are leased now, more than 50: disconnect some first, or force the change and the pool keeps 50.',
    });
    expect(change(busy, 50, true).ok).toBe(true);
    const free = change({ ...NOVEMBER, billed: false, unitPrice: null }, 50);
    expect(free.ok || free.error.code).toBe('subscription_not_billed');
    const open = { number: 'ORD-1' };
    const waiting = change({ ...NOVEMBER, openOrders: [open] }, 50);
    expect(waiting.ok || waiting.error.code).toBe('subscription_order_open');
    const renewal = priceRenewal(BOOK, { ...NOVEMBER, openOrders: [open] }, now, 'items/0');
    expect(renewal.ok || renewal.error.code).toBe('subscription_order_open');
    // Its December paid in advance: November's rest can no longer be prorated.
    const december = { starts: NOVEMBER.window.ends, ends: at('2027-01-01T00:00:00.000Z') };
    const paidAhead = change({ ...NOVEMBER, window: december }, 50);
    expect(paidAhead.ok || paidAhead.error).toMatchObject({
      code: 'subscription_period_paid',
      detail: 'The next period of sub_x is paid already: change it from 2026-12-01, when that period starts.',
    });
  });
});
