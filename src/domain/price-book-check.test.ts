import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK } from './default-price-book.js';
import type { PriceBook, Product, Tier } from './price-book.js';
import { checkPriceBook } from './price-book-check.js';

const key = (termYears: number, tiers: Tier[]): Product => ({
  kind: 'key',
  sku: `key-${termYears}y`,
  name: `Key, ${termYears} years`,
  termYears,
  tiers,
});

const book = (...products: Product[]): PriceBook => ({
  version: 'test',
  effectiveFrom: new Date('2026-01-01T00:00:00Z'),
  currency: 'USD',
  products,
});

const refusal = (priceBook: PriceBook) => {
  const result = checkPriceBook(priceBook);
  if (result.ok) throw new Error('the price book was accepted');
  expect(result.error.code).toBe('price_book_invalid');
  return result.error.detail;
};

describe('checkPriceBook', () => {
  it('accepts the default price book', () => {
    expect(checkPriceBook(DEFAULT_PRICE_BOOK)).toEqual({ ok: true, value: DEFAULT_PRICE_BOOK });
  });

  it('refuses tiers whose price per connection does not fall with quantity', () => {
    const flat = [
      { upTo: 24, unitPrice: 1_800 },
      { upTo: null, unitPrice: 1_800 },
    ];
    expect(refusal(book(key(1, flat)))).toMatch(/must fall as the quantity rises/);
  });

  it('refuses malformed tiers', () => {
    expect(refusal(book(key(1, [])))).toMatch(/no price tiers/);
    expect(refusal(book(key(1, [{ upTo: 24, unitPrice: 1_800 }])))).toMatch(/open-ended/);
    const unordered = [
      { upTo: 50, unitPrice: 1_800 },
      { upTo: 25, unitPrice: 1_700 },
      { upTo: null, unitPrice: 1_600 },
    ];
    expect(refusal(book(key(1, unordered)))).toMatch(/rising quantity/);
    expect(refusal(book(key(1, [{ upTo: null, unitPrice: 17.5 }])))).toMatch(/whole, positive/);
    expect(refusal(book(key(1, [{ upTo: null, unitPrice: 0 }])))).toMatch(/whole, positive/);
    expect(
      refusal(
        book(
          key(1, [
            { upTo: 0, unitPrice: 2 },
            { upTo: null, unitPrice: 1 },
          ]),
        ),
      ),
    ).toMatch(/whole quantity of 1 or more/);
  });

  it('refuses a longer term that costs more per year than a shorter one, at any quantity', () => {
    const oneYear = [
      { upTo: 99, unitPrice: 1_800 },
      { upTo: null, unitPrice: 1_200 },
    ];
    // Cheaper per year up to 99 connections, but from 100 on two years cost $16.50 a year, one $12.00.
    const twoYears = [
      { upTo: 49, unitPrice: 3_400 },
      { upTo: null, unitPrice: 3_300 },
    ];
    expect(refusal(book(key(1, oneYear), key(2, twoYears)))).toMatch(
      /key-2y costs \$33\.00 per connection at 100, not less per year than key-1y at \$12\.00/,
    );
    const cheaper = [
      { upTo: 49, unitPrice: 3_400 },
      { upTo: null, unitPrice: 2_300 },
    ];
    expect(checkPriceBook(book(key(1, oneYear), key(2, cheaper))).ok).toBe(true);
  });

  it('refuses a yearly subscription that costs twelve months or more', () => {
    const monthly: Product = {
      kind: 'subscription',
      sku: 'sub-m',
      name: 'Monthly',
      period: 'monthly',
      tiers: [{ upTo: null, unitPrice: 200 }],
    };
    const yearly: Product = {
      ...monthly,
      sku: 'sub-y',
      name: 'Yearly',
      period: 'yearly',
      tiers: [{ upTo: null, unitPrice: 2_400 }],
    };
    expect(refusal(book(monthly, yearly))).toMatch(/sub-y .* not less per year than sub-m/);
  });

  it('refuses terms outside 1 to 5 years, two products for one term, and repeated or odd SKUs', () => {
    const tiers = [{ upTo: null, unitPrice: 1_000 }];
    expect(refusal(book(key(6, tiers)))).toMatch(/1 to 5 years/);
    expect(refusal(book(key(1, tiers), { ...key(1, tiers), sku: 'other' }))).toMatch(/sell the same term/);
    expect(refusal(book(key(1, tiers), key(1, tiers)))).toMatch(/listed twice/);
    expect(refusal(book({ ...key(1, tiers), sku: 'Key 1' }))).toMatch(/SKU "Key 1"/);
    expect(refusal(book())).toMatch(/sells nothing/);
    expect(refusal({ ...book(key(1, tiers)), version: ' ' })).toMatch(/version/);
    expect(refusal(book({ ...key(1, tiers), name: 'Key\nwith a second line' }))).toMatch(/one line/);
    expect(refusal({ ...book(key(1, tiers)), effectiveFrom: new Date('not a date') })).toMatch(/not a date/);
    // A book read from a file could name any currency: the check does not trust the type.
    expect(refusal(Object.assign(book(key(1, tiers)), { currency: 'JPY' }))).toMatch(/Unknown currency JPY/);
    const gateway: Product = { kind: 'gateway', sku: 'gw-1y', name: 'Gateway', termYears: 0, tiers };
    expect(refusal(book(gateway))).toMatch(/gw-1y: a term is 1 to 5 years/);
  });
});
