import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK } from './default-price-book.js';
import type { KeyFacts } from './key-lifecycle.js';
import { money } from './money.js';
import type { PriceBook } from './price-book.js';
import { quoteRenewal } from './renewal.js';
import { termFromPurchase } from './terms.js';

const bought = new Date('2026-03-10T09:00:00.000Z');
const key: KeyFacts = {
  seats: 150,
  purchasedAt: bought,
  term: termFromPurchase(bought, 1),
  termYears: 1,
  activated: true,
  ended: false,
  failover: false,
};

/** From 2027 a connection-year costs $1.00 more in every tier. */
const RAISED: PriceBook = {
  ...DEFAULT_PRICE_BOOK,
  version: '2027',
  effectiveFrom: new Date('2027-01-01T00:00:00.000Z'),
  products: DEFAULT_PRICE_BOOK.products.map((product) => ({
    ...product,
    tiers: product.tiers.map((tier) => ({ ...tier, unitPrice: tier.unitPrice + 100 })),
  })),
};
const BOOKS = [DEFAULT_PRICE_BOOK, RAISED];

const quote = (years: number, now: string) => {
  const result = quoteRenewal(BOOKS, key, years, new Date(now));
  if (!result.ok) throw new Error(result.error.detail);
  return result.value;
};

describe('quoteRenewal', () => {
  it('costs the price in force on the renewal day × the key’s connections', () => {
    // Bought under the default book ($15.00 at 150); renewed in 2026 at $15.00, in 2027 at $16.00.
    expect(quote(1, '2026-12-01T00:00:00Z').line).toMatchObject({
      quantity: 150,
      unitPrice: money(1_500),
      total: money(225_000),
      priceBookVersion: 'default',
      description: 'Renewal: Fixed license key, 1 year of support/upgrade: 150 connections × $15.00',
    });
    expect(quote(1, '2027-02-01T00:00:00Z').line).toMatchObject({
      unitPrice: money(1_600),
      total: money(240_000),
      priceBookVersion: '2027',
    });
  });

  it('in advance, adds the years after the current expiration; once expired, starts on the renewal day', () => {
    expect(quote(2, '2027-02-01T00:00:00Z').term).toEqual({
      starts: bought,
      ends: new Date('2029-03-10T09:00:00.000Z'),
    });
    expect(quote(2, '2027-02-01T00:00:00Z').termYears).toBe(3);
    expect(quote(1, '2027-06-01T00:00:00Z').term).toEqual({
      starts: new Date('2027-06-01T00:00:00Z'),
      ends: new Date('2028-06-01T00:00:00Z'),
    });
  });

  it('prices a multi-year renewal with that term’s own tiers', () => {
    // 150 connections, 3 years: $15.00 × 3 × 90% = $40.50 each.
    expect(quote(3, '2026-12-01T00:00:00Z').line.total).toEqual(money(607_500));
  });

  it('refuses a term the book does not sell, an ended key, and a day before any book', () => {
    expect(quoteRenewal(BOOKS, key, 7, new Date('2026-12-01T00:00:00Z'))).toMatchObject({
      ok: false,
      error: { code: 'term_not_offered', field: 'years' },
    });
    expect(quoteRenewal(BOOKS, { ...key, ended: true }, 1, new Date('2026-12-01T00:00:00Z'))).toMatchObject({
      ok: false,
      error: { code: 'license_revoked' },
    });
    expect(quoteRenewal([RAISED], key, 1, new Date('2026-12-01T00:00:00Z'))).toMatchObject({
      ok: false,
      error: { code: 'product_not_found' },
    });
  });
});
