import { type Static, Type } from '@sinclair/typebox';
import { Product, Sku, Tier } from '../domain/price-book.js';
import { type Checker, checker } from './check.js';
import { Instant } from './common.js';

/** What a price book is made of, as it crosses HTTP and files: the domain's `PriceBook` shapes. */

export const Currency = Type.Union([Type.Literal('USD'), Type.Literal('EUR'), Type.Literal('GBP')]);

export { Product, Tier };

export const Products = Type.Array(Product, { minItems: 1, maxItems: 100 });
export const checkProducts = checker(Products);

/** A query string is text, so a quantity arrives as digits. */
export const QUANTITY_DIGITS = /^[1-9][0-9]{0,6}$/;

/** A book as staff publish it (POST /v1/catalog/books, `seatkeeper catalog add FILE.json`). */
export const PriceBookInput = Type.Object(
  {
    version: Type.String({ minLength: 1, maxLength: 64, description: 'Unique; quotes and orders name it' }),
    effectiveFrom: Type.String({
      format: 'date-time',
      description: 'When the book comes into force; not before the moment it is published',
    }),
    currency: Currency,
    products: Products,
  },
  { additionalProperties: false },
);
export type PriceBookInput = Static<typeof PriceBookInput>;
const checkWholeBook = checker(PriceBookInput);
const checkByKind = new Map<string, Checker<unknown>>(
  Product.anyOf.map((member) => [member.properties.kind.const, checker(member)] as const),
);

/**
 * A book read from a file: what is wrong, down to the field. A product that fails is checked again
 * against the schema its `kind` names, since the union alone only says "not any of the kinds".
 */
export function checkPriceBookInput(value: unknown): ReturnType<typeof checkWholeBook> {
  const checked = checkWholeBook(value);
  if (checked.ok) return checked;
  const at = /^\/products\/(\d+): /.exec(checked.wrong);
  const product: unknown =
    at === null || typeof value !== 'object' || value === null || !('products' in value)
      ? undefined
      : Array.isArray(value.products)
        ? value.products[Number(at[1])]
        : undefined;
  if (at === null) return checked;
  const kind =
    typeof product === 'object' && product !== null && 'kind' in product ? product.kind : undefined;
  const member = typeof kind === 'string' ? checkByKind.get(kind) : undefined;
  if (member === undefined)
    return { ok: false, wrong: `/products/${at[1]}/kind: Expected ${[...checkByKind.keys()].join(', ')}` };
  const inner = member(product);
  return inner.ok ? checked : { ok: false, wrong: `/products/${at[1]}${inner.wrong.replace(/^\/:/, ':')}` };
}

export const PriceBookView = Type.Object({
  version: Type.String(),
  effectiveFrom: Instant,
  currency: Currency,
  products: Products,
  createdAt: Instant,
  createdBy: Type.String({ description: 'The staff user who published it, or `system` for the seeded book' }),
});
export type PriceBookView = Static<typeof PriceBookView>;

export const PriceBookList = Type.Object({ books: Type.Array(PriceBookView) });

export const Money = Type.Object({
  amount: Type.Integer({ description: 'Minor units' }),
  currency: Currency,
});

/** A tier as a buyer reads it: the quantities it covers and the price per connection there. */
export const CatalogTier = Type.Object({
  from: Type.Integer(),
  upTo: Type.Union([Type.Integer(), Type.Null()]),
  unitPrice: Money,
  unitPriceText: Type.String({ description: 'The unit price as printed, e.g. $18.00' }),
});

export const Catalog = Type.Object({
  version: Type.String(),
  effectiveFrom: Instant,
  currency: Currency,
  products: Type.Array(
    Type.Object({
      kind: Type.String(),
      sku: Type.String(),
      name: Type.String(),
      termYears: Type.Optional(Type.Integer()),
      period: Type.Optional(Type.String()),
      tiers: Type.Array(CatalogTier),
    }),
  ),
});
export type Catalog = Static<typeof Catalog>;

export const CatalogQuery = Type.Object({ at: Type.Optional(Instant) }, { additionalProperties: false });

export const PriceQuery = Type.Object(
  {
    sku: Sku,
    quantity: Type.String({
      pattern: QUANTITY_DIGITS.source,
      description: 'Connections (users for a gateway): a whole number, 1 to 9999999',
    }),
    at: Type.Optional(Instant),
  },
  { additionalProperties: false },
);

export const PricedLine = Type.Object({
  sku: Type.String(),
  description: Type.String(),
  quantity: Type.Integer(),
  unitPrice: Money,
  total: Money,
  priceBookVersion: Type.String(),
});
export type PricedLine = Static<typeof PricedLine>;
