import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK } from '../domain/default-price-book.js';
import { checkPriceBookInput } from './catalog.js';

describe('checkPriceBookInput', () => {
  const book = { ...DEFAULT_PRICE_BOOK, effectiveFrom: '2030-01-01T00:00:00Z' };

  it('passes the default book as a file would hold it', () => {
    expect(checkPriceBookInput(JSON.parse(JSON.stringify(book)))).toMatchObject({ ok: true });
  });

  it('names the field inside a product that is wrong, by the product’s kind', () => {
    const [first, ...rest] = book.products;
    const broken = { ...first, tiers: [{ upTo: null, unitPrice: 1.5 }] };
    expect(checkPriceBookInput({ ...book, products: [...rest, broken] })).toEqual({
      ok: false,
      wrong: `/products/${rest.length}/tiers/0/unitPrice: Expected integer`,
    });
    expect(checkPriceBookInput({ ...book, products: [{ kind: 'voucher' }] })).toEqual({
      ok: false,
      wrong: '/products/0/kind: Expected key, subscription, gateway',
    });
    expect(checkPriceBookInput({ ...book, currency: 'JPY' })).toMatchObject({
      ok: false,
      wrong: expect.stringMatching(/^\/currency: /),
    });
  });
});
