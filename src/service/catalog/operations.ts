import type { Catalog, PriceBookInput, PriceBookView, PricedLine } from '../../contract/catalog.js';
import { DEFAULT_PRICE_BOOK } from '../../domain/default-price-book.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { formatMoney, money } from '../../domain/money.js';
import { type PriceBook, priceSku } from '../../domain/price-book.js';
import { checkPriceBook } from '../../domain/price-book-check.js';
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import { inTransaction } from '../store/transaction.js';
import { refuseConflict } from '../store/unique.js';
import {
  allPriceBooks,
  insertPriceBook,
  priceBookInForce,
  type StoredPriceBook,
} from './price-book-repository.js';

/**
 * The catalog in the store: versioned price books, each immutable once published. Nothing is
 * cached: which book is in force is one indexed lookup, and a cache would answer with a stale book
 * on one instance after another published a new one.
 */

export const viewOfBook = ({ book, createdAt, createdBy }: StoredPriceBook): PriceBookView => ({
  version: book.version,
  effectiveFrom: book.effectiveFrom.toISOString(),
  currency: book.currency,
  products: book.products.map((product) => ({ ...product, tiers: [...product.tiers] })),
  createdAt: createdAt.toISOString(),
  createdBy,
});

/** What a buyer sees: each product's tiers with the quantities they cover and the price per connection. */
export function catalogOf(book: PriceBook): Catalog {
  return {
    version: book.version,
    effectiveFrom: book.effectiveFrom.toISOString(),
    currency: book.currency,
    products: book.products.map(({ tiers, ...product }) => ({
      ...product,
      tiers: tiers.map((tier, index) => {
        const unitPrice = money(tier.unitPrice, book.currency);
        return {
          from: index === 0 ? 1 : (tiers[index - 1]?.upTo ?? 0) + 1,
          upTo: tier.upTo,
          unitPrice,
          unitPriceText: formatMoney(unitPrice),
        };
      }),
    })),
  };
}

const noBookAt = (at: Date) =>
  fail('product_not_found', `No price book is in force on ${at.toISOString()}.`, 'at');

export async function bookAt(ctx: ServiceContext, at: Date): Promise<Result<StoredPriceBook>> {
  const stored = await priceBookInForce(ctx.store.db, at);
  return stored === undefined ? noBookAt(at) : ok(stored);
}

export async function catalogAt(ctx: ServiceContext, at: Date): Promise<Result<Catalog>> {
  const stored = await bookAt(ctx, at);
  return stored.ok ? ok(catalogOf(stored.value.book)) : stored;
}

export async function listPriceBooks(ctx: ServiceContext): Promise<PriceBookView[]> {
  return (await allPriceBooks(ctx.store.db)).map(viewOfBook);
}

/** A priced line for `quantity` of `sku` at the book in force at `at`: pricing only, no purchase rule. */
export async function priceOf(
  ctx: ServiceContext,
  sku: string,
  quantity: number,
  at: Date,
): Promise<Result<PricedLine>> {
  const stored = await bookAt(ctx, at);
  return stored.ok ? priceSku(stored.value.book, sku, quantity) : stored;
}

export const bookOfInput = (input: PriceBookInput): PriceBook => ({
  ...input,
  effectiveFrom: new Date(input.effectiveFrom),
});

/**
 * Publishes a book. Its effective date may not be before now: every instant already past keeps
 * the book it had, so a quote or order made then still reads the prices it was made with, and a
 * price change always takes effect from now on. Version and effective date are unique.
 */
export async function addPriceBook(
  ctx: ServiceContext,
  input: { book: PriceBookInput; actor: string },
): Promise<Result<PriceBookView>> {
  const now = ctx.clock.now();
  const checked = checkPriceBook(bookOfInput(input.book));
  if (!checked.ok) return checked;
  const book = checked.value;
  if (book.effectiveFrom.getTime() < now.getTime())
    return fail(
      'price_book_invalid',
      `effectiveFrom ${book.effectiveFrom.toISOString()} is in the past: a new price takes effect from now on.`,
      'effectiveFrom',
    );
  const stored: StoredPriceBook = { book, createdAt: now, createdBy: input.actor };
  return refuseConflict(
    () =>
      inTransaction(ctx.store.db, async (tx) => {
        await insertPriceBook(tx, book, input.actor, now);
        await audited(tx, now, input.actor, stored);
        return ok(viewOfBook(stored));
      }),
    () =>
      fail(
        'price_book_exists',
        `A price book with version ${book.version} or in force from ${book.effectiveFrom.toISOString()} is already published.`,
        'version',
      ),
  );
}

const audited = (tx: Database, now: Date, actor: string, stored: StoredPriceBook) =>
  recordAudit(tx, now, [
    {
      actor,
      accountId: null,
      entity: 'price_book',
      entityId: stored.book.version,
      action: 'price_book.published',
      after: viewOfBook(stored),
    },
  ]);

/**
 * The default book, on a store that has none, so that a fresh service can sell. Two instances
 * starting at once both try: the unique version lets one insert and the other insert nothing. Not
 * audited: like the schema, it is how a store starts, not a change someone made; its row says
 * `system` and when.
 */
export async function seedDefaultPriceBook(db: Database, now: Date): Promise<boolean> {
  const any = await db.selectFrom('price_books').select('version').limit(1).executeTakeFirst();
  if (any !== undefined) return false;
  return insertPriceBook(db, DEFAULT_PRICE_BOOK, 'system', now, { ifAbsent: true });
}
