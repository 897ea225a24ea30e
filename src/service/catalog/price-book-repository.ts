import { checkProducts } from '../../contract/catalog.js';
import type { PriceBook } from '../../domain/price-book.js';
import type { Database } from '../store/database.js';
import type { PriceBookRow } from '../store/schema.js';

/** The one place `price_books` is read and written. Books are only ever inserted. */

const COLUMNS = ['version', 'effective_from', 'currency', 'products', 'created_at', 'created_by'] as const;

export interface StoredPriceBook {
  book: PriceBook;
  createdAt: Date;
  createdBy: string;
}

/** A row as the book it holds; its products JSON is checked against the contract, never cast. */
function storedOf(row: PriceBookRow): StoredPriceBook {
  const products = checkProducts(JSON.parse(row.products));
  if (!products.ok) throw new Error(`Price book ${row.version} is stored damaged: ${products.wrong}`);
  return {
    book: {
      version: row.version,
      effectiveFrom: new Date(Number(row.effective_from)),
      currency: row.currency,
      products: products.value,
    },
    createdAt: new Date(Number(row.created_at)),
    createdBy: row.created_by,
  };
}

export async function insertPriceBook(
  tx: Database,
  book: PriceBook,
  createdBy: string,
  now: Date,
  { ifAbsent = false } = {},
): Promise<boolean> {
  const inserted = await tx
    .insertInto('price_books')
    .values({
      version: book.version,
      effective_from: book.effectiveFrom.getTime(),
      currency: book.currency,
      products: JSON.stringify(book.products),
      created_at: now.getTime(),
      created_by: createdBy,
    })
    .$call((query) => (ifAbsent ? query.onConflict((conflict) => conflict.doNothing()) : query))
    .returning('version')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The book with the latest effective date not after `at`; `undefined` when none is in force yet. */
export async function priceBookInForce(db: Database, at: Date): Promise<StoredPriceBook | undefined> {
  const row = await db
    .selectFrom('price_books')
    .select(COLUMNS)
    .where('effective_from', '<=', at.getTime())
    .orderBy('effective_from', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : storedOf(row);
}

/** Every book, by effective date. */
export async function allPriceBooks(db: Database): Promise<StoredPriceBook[]> {
  const rows = await db.selectFrom('price_books').select(COLUMNS).orderBy('effective_from').execute();
  return rows.map(storedOf);
}
