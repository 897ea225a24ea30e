import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK } from './default-price-book.js';
import { GATEWAY_LICENSE_MODELS } from './gateway-license.js';
import { priceGatewayLicenses } from './gateway-pricing.js';
import { MAX_ITEM_CONNECTIONS, priceOrder } from './order.js';
import type { PriceBook, Product } from './price-book.js';
import { checkPriceBook } from './price-book-check.js';
import { checkOrder } from './purchase-rules.js';

const NOW = new Date('2026-11-30T10:00:00Z');
const named = { keys: new Map(), subscriptions: new Map() };
const price = (sku: string, quantity: number) =>
  priceGatewayLicenses(DEFAULT_PRICE_BOOK, { sku, quantity }, 'items/0');
const failure = (result: ReturnType<typeof price>) => (result.ok ? undefined : result.error);

describe('priceGatewayLicenses', () => {
  it('prices a SecuPoint key per VPN user of all its licenses, at the tier those users fall in', () => {
    const two = price('SPC-1YR-LIC', 2);
    expect(two.ok && two.value.line).toMatchObject({
      quantity: 40,
      unitPrice: { amount: 6_00, currency: 'USD' },
      total: { amount: 240_00, currency: 'USD' },
      priceBookVersion: 'default',
      description:
        'SecuPoint VPN Client, 1 year: 2 × SPC-1YR-LIC (20 VPN users each, 1 year), 40 users × $6.00',
    });
    expect(two.ok && two.value.connections).toBe(40);
    // 150 users fall in the 100-249 tier, whatever the number of licenses.
    const large = price('SPC-1YR-150-LIC', 1);
    expect(large.ok && large.value.line.total.amount).toBe(150 * 5_00);
    // Three years for 90% of three single years, per user.
    const threeYears = price('SPC-3YR-LIC', 1);
    expect(threeYears.ok && threeYears.value.line).toMatchObject({
      quantity: 10,
      unitPrice: { amount: 16_20 },
    });
  });

  it('prices a Pro key per license, and counts each Pro license as the online minimum', () => {
    const pro = price('PRO-1YR-LIC', 3);
    expect(pro.ok && pro.value.line).toMatchObject({
      quantity: 3,
      unitPrice: { amount: 150_00 },
      total: { amount: 450_00 },
      description: 'Pro license, 1 year: 3 × PRO-1YR-LIC (Pro features, 1 year), 3 licenses × $150.00',
    });
    expect(pro.ok && pro.value.connections).toBe(30);
    // One Pro license can be paid online; ten by bank wire.
    const one = price('PRO-1YR-LIC', 1);
    expect(one.ok && checkOrder(one.value.connections, 'card')).toEqual({
      ok: true,
      value: { kind: 'charge_now' },
    });
    const ten = price('PRO-3YR-LIC', 10);
    expect(ten.ok && checkOrder(ten.value.connections, 'bank_wire').ok).toBe(true);
  });

  it('refuses a SKU the book does not sell as a gateway license, and a quantity outside 1 to 10000', () => {
    expect(failure(price('SPC-9YR-LIC', 1))).toMatchObject({ code: 'product_not_found', field: 'items/0' });
    expect(failure(price('key-1y', 1))).toMatchObject({
      code: 'product_not_found',
      detail: 'Price book default sells no gateway license key-1y.',
    });
    for (const quantity of [0, -1, 2.5, 10_001])
      expect(failure(price('SPC-1YR-LIC', quantity))).toMatchObject({
        code: 'validation_failed',
        field: 'items/0/quantity',
      });
    expect(price('SPC-1YR-LIC', 10_000).ok).toBe(true);
  });
});

describe('priceOrder with gateway licenses', () => {
  it('adds the users of gateway lines to the order’s connections, beside keys', () => {
    const priced = priceOrder({
      books: [DEFAULT_PRICE_BOOK],
      items: [
        { type: 'gateway_license', sku: 'SPC-1YR-LIC', quantity: 2 },
        { type: 'key', sku: 'key-1y', connections: 10 },
        { type: 'gateway_license', sku: 'PRO-1YR-LIC', quantity: 1 },
      ],
      named,
      taxRate: 0,
      now: NOW,
    });
    if (!priced.ok) throw new Error(priced.error.detail);
    expect(priced.value.connections).toBe(40 + 10 + 10);
    expect(priced.value.lines.map((line) => [line.item, line.quantity, line.amount])).toEqual([
      [0, 40, 240_00],
      [1, 10, 180_00],
      [2, 1, 150_00],
    ]);
    expect(priced.value.totals.subtotal.amount).toBe(570_00);
  });

  it('refuses an item of more connections than any order takes, whichever way it was ordered', () => {
    const priced = priceOrder({
      books: [DEFAULT_PRICE_BOOK],
      items: [
        { type: 'key', sku: 'key-1y', connections: 10 },
        { type: 'key', sku: 'key-1y', connections: MAX_ITEM_CONNECTIONS + 1 },
      ],
      named,
      taxRate: 0,
      now: NOW,
    });
    expect(!priced.ok && priced.error).toMatchObject({
      code: 'validation_failed',
      field: 'items.1.connections',
    });
  });

  it('refuses an order naming an unknown gateway model, with the item it names', () => {
    const priced = priceOrder({
      books: [DEFAULT_PRICE_BOOK],
      items: [
        { type: 'key', sku: 'key-1y', connections: 10 },
        { type: 'gateway_license', sku: 'AP-1YR-LIC', quantity: 4 },
      ],
      named,
      taxRate: 0,
      now: NOW,
    });
    expect(priced.ok || priced.error).toMatchObject({ code: 'product_not_found', field: 'items/1' });
  });
});

describe('the default book’s gateway products', () => {
  it('sells every gateway license model under its own SKU and term', () => {
    const gateways = DEFAULT_PRICE_BOOK.products.flatMap((product) =>
      product.kind === 'gateway' ? [[product.sku, product.termYears]] : [],
    );
    expect(gateways).toEqual(GATEWAY_LICENSE_MODELS.map((model) => [model.sku, model.termYears]));
  });

  const book = (...products: Product[]): PriceBook => ({
    version: 'test',
    effectiveFrom: new Date('2026-01-01T00:00:00Z'),
    currency: 'USD',
    products,
  });
  const gateway = (sku: string, termYears: number, unitPrice: number): Product => ({
    kind: 'gateway',
    sku,
    name: sku,
    termYears,
    tiers: [{ upTo: null, unitPrice }],
  });
  const refusal = (priceBook: PriceBook) => {
    const checked = checkPriceBook(priceBook);
    return checked.ok ? undefined : checked.error.detail;
  };

  it('refuses a gateway product no license model backs, or of another term than its model’s', () => {
    expect(refusal(book(gateway('AP-1YR-LIC', 1, 5_00)))).toBe('AP-1YR-LIC is not a gateway license model.');
    expect(refusal(book(gateway('SPC-1YR-LIC', 2, 5_00)))).toMatch(/model's term is 1 years, not 2/);
  });

  it('lets two models sell one term, and wants a longer SecuPoint term cheaper per year', () => {
    expect(
      refusal(book(gateway('SPC-1YR-LIC', 1, 6_00), gateway('SPC-1YR-150-LIC', 1, 5_00))),
    ).toBeUndefined();
    expect(refusal(book(gateway('SPC-1YR-LIC', 1, 6_00), gateway('SPC-3YR-LIC', 3, 18_00)))).toMatch(
      /SPC-3YR-LIC .* not less per year than SPC-1YR-LIC/,
    );
    // A Pro license and a SecuPoint user are not the same unit: their prices are not compared.
    expect(refusal(book(gateway('SPC-1YR-LIC', 1, 6_00), gateway('PRO-3YR-LIC', 3, 400_00)))).toBeUndefined();
  });
});
