import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, freshStore, type TestStore, testContext } from '../../../test/support/engines.js';
import { oneProductBook } from '../../../test/support/price-books.js';
import type { PriceBookInput } from '../../contract/catalog.js';
import { DEFAULT_PRICE_BOOK } from '../../domain/default-price-book.js';
import { auditTrail } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import { sqlitePathIn } from '../runtime.js';
import { migrate, openStore } from '../store/database.js';
import { addPriceBook, bookAt, listPriceBooks, priceOf, seedDefaultPriceBook } from './operations.js';

const NOW = '2026-11-30T12:00:00.000Z';

describe.each(ENGINES)('price books on %s', (engine) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  const opened = async (clock = new ManualClock(NOW)) => {
    const ctx = await testContext(engine, clock);
    cleanups.push(ctx.cleanup);
    return { ctx, clock };
  };

  const countBooks = async (ctx: ServiceContext) =>
    (await ctx.store.db.selectFrom('price_books').select('version').execute()).length;

  it('seeds the default book on first start, once', async () => {
    const { ctx } = await opened();
    expect(await listPriceBooks(ctx)).toMatchObject([
      { version: 'default', effectiveFrom: new Date(0).toISOString(), createdBy: 'system' },
    ]);
    expect(await seedDefaultPriceBook(ctx.store.db, ctx.clock.now())).toBe(false);
    expect(await countBooks(ctx)).toBe(1);
    // How a store starts, like its schema: not a change anyone made.
    expect(await auditTrail(ctx, {})).toEqual([]);
  });

  it('seeds once when two instances start on an empty store together', async () => {
    const store: TestStore = await freshStore(engine);
    cleanups.push(store.cleanup);
    const open = () => openStore({ databaseUrl: store.databaseUrl, sqlitePath: sqlitePathIn(store.dataDir) });
    const [first, second] = [open(), open()];
    cleanups.push(
      () => first.close(),
      () => second.close(),
    );
    await migrate(first);
    await migrate(second);
    const now = new Date(NOW);
    // Two SQLite connections in one thread cannot wait for each other's write (the wait blocks the
    // thread that would finish the first); across processes the busy timeout orders them.
    const seeded =
      engine === 'postgres'
        ? await Promise.all([seedDefaultPriceBook(first.db, now), seedDefaultPriceBook(second.db, now)])
        : [await seedDefaultPriceBook(first.db, now), await seedDefaultPriceBook(second.db, now)];
    expect(seeded.filter(Boolean)).toHaveLength(1);
    const rows = await first.db.selectFrom('price_books').select('version').execute();
    expect(rows).toEqual([{ version: 'default' }]);
  });

  it('prices at the book in force at each instant: a later book leaves earlier instants as they were', async () => {
    const { ctx, clock } = await opened();
    const later = new Date(Date.parse(NOW) + 10 * DAY).toISOString();
    const added = await addPriceBook(ctx, { book: oneProductBook('2027', later), actor: 'usr_staff' });
    expect(added).toMatchObject({ ok: true, value: { version: '2027', effectiveFrom: later } });

    const defaultPrice = DEFAULT_PRICE_BOOK.products[0]?.tiers[0]?.unitPrice;
    expect(await priceOf(ctx, 'key-1y', 10, clock.now())).toMatchObject({
      ok: true,
      value: { priceBookVersion: 'default', unitPrice: { amount: defaultPrice } },
    });
    const atLater = new Date(later);
    expect(await priceOf(ctx, 'key-1y', 10, atLater)).toMatchObject({
      ok: true,
      value: { priceBookVersion: '2027', unitPrice: { amount: 20_00 }, total: { amount: 200_00 } },
    });
    expect(await priceOf(ctx, 'key-1y', 100, atLater)).toMatchObject({
      ok: true,
      value: { unitPrice: { amount: 19_00 }, total: { amount: 1900_00 } },
    });
    // One millisecond before the new book, the old one still answers.
    const before = await bookAt(ctx, new Date(atLater.getTime() - 1));
    expect(before.ok && before.value.book.version).toBe('default');
    expect(await priceOf(ctx, 'key-2y', 10, atLater)).toMatchObject({
      ok: false,
      error: { code: 'product_not_found', field: 'sku' },
    });
    expect(await auditTrail(ctx, { entityId: '2027' })).toMatchObject([
      { actor: 'usr_staff', action: 'price_book.published', after: { version: '2027' } },
    ]);
  });

  it('refuses a book dated in the past, one checkPriceBook refuses, and a taken version or date, changing nothing', async () => {
    const { ctx } = await opened();
    const add = (book: PriceBookInput) => addPriceBook(ctx, { book, actor: 'usr_staff' });
    const past = new Date(Date.parse(NOW) - 1).toISOString();
    expect(await add(oneProductBook('old', past))).toMatchObject({
      ok: false,
      error: { code: 'price_book_invalid', field: 'effectiveFrom' },
    });
    const rising = oneProductBook('rising', '2027-01-01T00:00:00.000Z');
    const [product] = rising.products;
    if (product === undefined) throw new Error('no product');
    product.tiers = [
      { upTo: 99, unitPrice: 10_00 },
      { upTo: null, unitPrice: 11_00 },
    ];
    expect(await add(rising)).toMatchObject({ ok: false, error: { code: 'price_book_invalid' } });
    expect(await add(oneProductBook('2027', '2027-01-01T00:00:00.000Z'))).toMatchObject({ ok: true });
    expect(await add(oneProductBook('2027', '2027-02-01T00:00:00.000Z'))).toMatchObject({
      ok: false,
      error: { code: 'price_book_exists' },
    });
    expect(await add(oneProductBook('2027-bis', '2027-01-01T00:00:00.000Z'))).toMatchObject({
      ok: false,
      error: { code: 'price_book_exists' },
    });
    expect((await listPriceBooks(ctx)).map((book) => book.version)).toEqual(['default', '2027']);
    expect(await auditTrail(ctx, { entityId: '2027-bis' })).toEqual([]);
  });

  it('keeps a stored book as it was: the store refuses to change or delete one', async () => {
    const { ctx } = await opened();
    await expect(
      sql`update price_books set products = '[]' where version = 'default'`.execute(ctx.store.db),
    ).rejects.toThrow(/immutable/);
    await expect(sql`delete from price_books`.execute(ctx.store.db)).rejects.toThrow(/immutable/);
    expect(await countBooks(ctx)).toBe(1);
  });
});
