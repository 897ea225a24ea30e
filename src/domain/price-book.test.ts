import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK } from './default-price-book.js';
import { money } from './money.js';
import {
  currentBook,
  keyProduct,
  lineTotal,
  type PriceBook,
  priceSku,
  subscriptionProduct,
  type Tier,
  volumeUnitPrice,
} from './price-book.js';

const TIERS: readonly Tier[] = [
  { upTo: 24, unitPrice: 1_800 },
  { upTo: 99, unitPrice: 1_600 },
  { upTo: null, unitPrice: 1_200 },
];

describe('volumeUnitPrice', () => {
  it('prices the whole quantity at the tier it falls in, upTo inclusive', () => {
    expect(volumeUnitPrice(TIERS, 1)).toBe(1_800);
    expect(volumeUnitPrice(TIERS, 24)).toBe(1_800);
    expect(volumeUnitPrice(TIERS, 25)).toBe(1_600);
    expect(volumeUnitPrice(TIERS, 99)).toBe(1_600);
    expect(volumeUnitPrice(TIERS, 100)).toBe(1_200);
    expect(volumeUnitPrice(TIERS, 1_000_000)).toBe(1_200);
  });

  it('makes the price per connection fall with quantity, for the whole quantity (volume, not graduated)', () => {
    // 100 connections are all at $12.00: graduated tiers would charge 24 × $18 + 75 × $16 + 1 × $12.
    expect(lineTotal(TIERS, 100, 'USD')).toEqual(money(120_000));
    expect(lineTotal(TIERS, 99, 'USD')).toEqual(money(158_400));
    expect(lineTotal(TIERS, 10, 'USD')).toEqual(money(18_000));
  });

  it('refuses a quantity that is not a whole number of connections', () => {
    expect(() => volumeUnitPrice(TIERS, 0)).toThrow(RangeError);
    expect(() => volumeUnitPrice(TIERS, 2.5)).toThrow(RangeError);
    expect(() => volumeUnitPrice([{ upTo: 5, unitPrice: 1 }], 6)).toThrow(RangeError);
  });
});

describe('currentBook', () => {
  const book = (version: string, from: string): PriceBook => ({
    ...DEFAULT_PRICE_BOOK,
    version,
    effectiveFrom: new Date(from),
  });
  const books = [book('2027', '2027-01-01T00:00:00Z'), book('2026', '2026-01-01T00:00:00Z')];

  it('is the latest book whose effective date has come, from that instant on', () => {
    expect(currentBook(books, new Date('2026-12-31T23:59:59.999Z'))?.version).toBe('2026');
    expect(currentBook(books, new Date('2027-01-01T00:00:00.000Z'))?.version).toBe('2027');
    expect(currentBook(books, new Date('2030-06-01T00:00:00.000Z'))?.version).toBe('2027');
  });

  it('is undefined before the first book', () => {
    expect(currentBook(books, new Date('2025-12-31T00:00:00Z'))).toBeUndefined();
    expect(currentBook([], new Date('2026-11-30T00:00:00Z'))).toBeUndefined();
  });
});

describe('priceSku', () => {
  it('prices a line and names the book it was priced with, so an order keeps its prices', () => {
    const line = priceSku(DEFAULT_PRICE_BOOK, 'key-1y', 150);
    expect(line).toEqual({
      ok: true,
      value: {
        sku: 'key-1y',
        description: 'Fixed license key, 1 year of support/upgrade: 150 connections × $15.00',
        quantity: 150,
        unitPrice: money(1_500),
        total: money(225_000),
        priceBookVersion: 'default',
      },
    });
  });

  it('refuses an unknown SKU and a quantity below 1', () => {
    expect(priceSku(DEFAULT_PRICE_BOOK, 'key-9y', 10)).toMatchObject({
      ok: false,
      error: { code: 'product_not_found', field: 'sku' },
    });
    expect(priceSku(DEFAULT_PRICE_BOOK, 'key-1y', 0)).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'quantity' },
    });
  });

  it('finds keys by term and subscriptions by period', () => {
    expect(keyProduct(DEFAULT_PRICE_BOOK, 3)?.sku).toBe('key-3y');
    expect(keyProduct(DEFAULT_PRICE_BOOK, 6)).toBeUndefined();
    expect(subscriptionProduct(DEFAULT_PRICE_BOOK, 'yearly')?.sku).toBe('subscription-yearly');
  });
});

describe('the default price book', () => {
  it('makes a multi-year key cheaper per year: 10 connections for 1, 3 and 5 years', () => {
    const total = (years: number) => {
      const product = keyProduct(DEFAULT_PRICE_BOOK, years);
      if (product === undefined) throw new Error(`no ${years}-year key`);
      return lineTotal(product.tiers, 10, 'USD').amount;
    };
    expect(total(1)).toBe(18_000); // 10 × $18.00
    expect(total(3)).toBe(48_600); // 10 × $18.00 × 3 × 90%: $162.00 a year
    expect(total(5)).toBe(72_000); // 10 × $18.00 × 5 × 80%: $144.00 a year
  });

  it('prices a yearly subscription at ten months', () => {
    expect(subscriptionProduct(DEFAULT_PRICE_BOOK, 'yearly')?.tiers[0]).toEqual({
      upTo: 24,
      unitPrice: 2_000,
    });
  });
});
