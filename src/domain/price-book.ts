import { type Static, Type } from '@sinclair/typebox';
import { fail, ok, type Result } from './errors.js';
import { findLicenseModel } from './gateway-license.js';
import { type Currency, formatMoney, type Money, money, times } from './money.js';
import type { Period } from './terms.js';
import { plural } from './text.js';

/**
 * What the vendor sells and at what price, as of a date. Prices are volume-tiered: the quantity
 * bought picks one tier, and that tier's unit price applies to the whole quantity (Stripe's and
 * Lago's "volume" model; the seeds: "when you purchase more connections, the price per connection
 * goes down"). A multi-year key is its own product with its own tiers, so that "the longer period
 * you buy, the cheaper it becomes, per year" is a property of the book that can be checked.
 */
/** A volume tier: its last quantity and the price per connection of the whole quantity in it. */
export const Tier = Type.Object(
  {
    upTo: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description: 'The last quantity of the tier, inclusive; null for the last, open-ended tier',
    }),
    unitPrice: Type.Integer({
      minimum: 1,
      description:
        'Minor units per connection (a gateway license: per VPN user for SecuPoint, per license for Pro, which adds no user), for the whole term or period',
    }),
  },
  { additionalProperties: false },
);
export type Tier = Static<typeof Tier>;

export const Sku = Type.String({ minLength: 1, maxLength: 64 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Tiers = Type.Array(Tier, { minItems: 1, maxItems: 50 });
const TermYears = Type.Integer({ minimum: 1 });

/**
 * A fixed license key (connections for good on one server, with a support/upgrade term), a
 * subscription (connections shared by any number of servers, billed per period), or a gateway
 * license model sold under its own SKU (SPC-1YR-LIC): a SecuPoint license priced per VPN user it
 * adds, a Pro license (no VPN user) per license; its tiers go by users, or by Pro licenses.
 */
export const Product = Type.Union([
  Type.Object(
    { kind: Type.Literal('key'), sku: Sku, name: Name, termYears: TermYears, tiers: Tiers },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('subscription'),
      sku: Sku,
      name: Name,
      period: Type.Union([Type.Literal('monthly'), Type.Literal('yearly')]),
      tiers: Tiers,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('gateway'), sku: Sku, name: Name, termYears: TermYears, tiers: Tiers },
    { additionalProperties: false },
  ),
]);
export type Product = Static<typeof Product>;

export interface PriceBook {
  /** Quotes and orders name the version they were priced with, and keep its prices. */
  version: string;
  effectiveFrom: Date;
  currency: Currency;
  products: readonly Product[];
}

/** One priced line of a quote or an order: it carries its prices, so a later book changes nothing. */
export interface PricedLine {
  sku: string;
  description: string;
  quantity: number;
  unitPrice: Money;
  total: Money;
  priceBookVersion: string;
}

/** The unit price of the tier `quantity` falls in (tiers as `checkPriceBook` accepts them). */
export function volumeUnitPrice(tiers: readonly Tier[], quantity: number): number {
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new RangeError(`Bad quantity ${quantity}`);
  const tier = tiers.find((candidate) => candidate.upTo === null || quantity <= candidate.upTo);
  if (tier === undefined) throw new RangeError('The tiers end before the quantity');
  return tier.unitPrice;
}

export const lineTotal = (tiers: readonly Tier[], quantity: number, currency: Currency): Money =>
  times(money(volumeUnitPrice(tiers, quantity), currency), quantity);

/** The book in force at `at`: the one with the latest `effectiveFrom` not after it. */
export function currentBook(books: readonly PriceBook[], at: Date): PriceBook | undefined {
  let current: PriceBook | undefined;
  for (const book of books) {
    if (book.effectiveFrom.getTime() > at.getTime()) continue;
    if (current === undefined || book.effectiveFrom.getTime() > current.effectiveFrom.getTime())
      current = book;
  }
  return current;
}

export const findProduct = (book: PriceBook, sku: string): Product | undefined =>
  book.products.find((product) => product.sku === sku);

/** The fixed-key product for a term, which a purchase or a renewal of that many years is priced with. */
export const keyProduct = (book: PriceBook, termYears: number): Product | undefined =>
  book.products.find((product) => product.kind === 'key' && product.termYears === termYears);

export const subscriptionProduct = (book: PriceBook, period: Period): Product | undefined =>
  book.products.find((product) => product.kind === 'subscription' && product.period === period);

/** What one unit of a product's tiers is: a connection, a gateway's VPN user, or a Pro license. */
export function unitOf(product: Product): 'connection' | 'user' | 'license' {
  if (product.kind !== 'gateway') return 'connection';
  const model = findLicenseModel(product.sku);
  return model.ok && model.value.kind === 'pro' ? 'license' : 'user';
}

/** A line for `quantity` of a product, at the book's volume price. */
export function priceLine(book: PriceBook, product: Product, quantity: number): Result<PricedLine> {
  if (!Number.isSafeInteger(quantity) || quantity < 1)
    return fail('validation_failed', 'The quantity is a whole number of connections, 1 or more.', 'quantity');
  const unitPrice = money(volumeUnitPrice(product.tiers, quantity), book.currency);
  return ok({
    sku: product.sku,
    description: `${product.name}: ${plural(quantity, unitOf(product))} × ${formatMoney(unitPrice)}`,
    quantity,
    unitPrice,
    total: times(unitPrice, quantity),
    priceBookVersion: book.version,
  });
}

/** `priceLine` by SKU, refusing one the book does not sell. */
export function priceSku(book: PriceBook, sku: string, quantity: number): Result<PricedLine> {
  const product = findProduct(book, sku);
  if (product === undefined)
    return fail('product_not_found', `Price book ${book.version} sells no product ${sku}.`, 'sku');
  return priceLine(book, product, quantity);
}
