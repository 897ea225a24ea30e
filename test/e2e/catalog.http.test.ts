import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, PriceBookView, PricedLine } from '../../src/contract/catalog.js';
import { DAY, ManualClock } from '../support/clock.js';
import { accountWithKey, staffToken } from '../support/factories.js';
import { type Call, client, expectProblem } from '../support/http.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { oneProductBook } from '../support/price-books.js';

/** The catalog over HTTP as a buyer and as staff read it, on a real server with a test clock. */
describe('the catalog over HTTP', () => {
  const clock = new ManualClock('2026-11-30T12:00:00.000Z');
  let service: InProcessService;
  let call: Call;
  let staff: string;
  let owner: string;

  beforeAll(async () => {
    service = await startInProcessService(clock);
    call = client(service.url);
    staff = await staffToken(service.ctx);
    owner = (await accountWithKey(service.ctx)).ownerToken;
  });
  afterAll(async () => {
    await service?.close();
  });

  const price = (query: string) => call<PricedLine>('GET', `/v1/catalog/price?${query}`);

  it('shows a buyer the default book: the price per connection falls with the quantity', async () => {
    const catalog = await call<Catalog>('GET', '/v1/catalog');
    expect(catalog.status).toBe(200);
    expect(catalog.body.version).toBe('default');
    const key = catalog.body.products.find((product) => product.sku === 'key-1y');
    expect(key?.tiers[0]).toMatchObject({ from: 1, upTo: 24, unitPriceText: '$18.00' });
    expect(key?.tiers.at(-1)).toMatchObject({ upTo: null, unitPriceText: '$12.00' });

    const perConnection = [];
    for (const quantity of [10, 25, 50, 100, 250, 500]) {
      const line = await price(`sku=key-1y&quantity=${quantity}`);
      expect(line.status, line.text).toBe(200);
      expect(line.body.total.amount).toBe(line.body.unitPrice.amount * quantity);
      perConnection.push(line.body.unitPrice.amount);
    }
    expect(perConnection).toEqual([...perConnection].sort((a, b) => b - a));
    expect(new Set(perConnection).size).toBe(perConnection.length);
  });

  it('refuses bad prices as problems naming the field, never a 500', async () => {
    expectProblem(await price('sku=key-9y&quantity=10'), 404, 'product_not_found', 'sku');
    for (const quantity of ['0', '-1', '1.5', 'ten', ''])
      expectProblem(await price(`sku=key-1y&quantity=${quantity}`), 400, 'validation_failed', 'quantity');
    expectProblem(await price('quantity=10'), 400, 'validation_failed', 'sku');
    expectProblem(await price('sku=key-1y&quantity=10&at=tomorrow'), 400, 'validation_failed', 'at');
  });

  it('publishes a new book for staff only, refusing a malformed one with its field', async () => {
    const later = new Date(clock.now().getTime() + 30 * DAY).toISOString();
    const book = oneProductBook('2027-01', later, 25_00);
    expect((await call('POST', '/v1/catalog/books', { body: book })).status).toBe(401);
    expectProblem(await call('POST', '/v1/catalog/books', { token: owner, body: book }), 403, 'forbidden');

    const { currency: _, ...noCurrency } = book;
    expectProblem(
      await call('POST', '/v1/catalog/books', { token: staff, body: noCurrency }),
      400,
      'validation_failed',
      'currency',
    );
    const free = { ...book, products: [{ ...book.products[0], tiers: [{ upTo: null, unitPrice: 0 }] }] };
    expectProblem(
      await call('POST', '/v1/catalog/books', { token: staff, body: free }),
      400,
      'validation_failed',
    );
    const rising = {
      ...book,
      products: [
        {
          ...book.products[0],
          tiers: [
            { upTo: 9, unitPrice: 10_00 },
            { upTo: null, unitPrice: 11_00 },
          ],
        },
      ],
    };
    expectProblem(
      await call('POST', '/v1/catalog/books', { token: staff, body: rising }),
      400,
      'price_book_invalid',
    );
    const past = { ...book, effectiveFrom: '2026-01-01T00:00:00.000Z' };
    expectProblem(
      await call('POST', '/v1/catalog/books', { token: staff, body: past }),
      400,
      'price_book_invalid',
      'effectiveFrom',
    );

    const published = await call<PriceBookView>('POST', '/v1/catalog/books', { token: staff, body: book });
    expect(published.status, published.text).toBe(201);
    expect(published.body).toMatchObject({ version: '2027-01', effectiveFrom: later });
    expectProblem(
      await call('POST', '/v1/catalog/books', { token: staff, body: book }),
      409,
      'price_book_exists',
    );

    const books = await call<{ books: PriceBookView[] }>('GET', '/v1/catalog/books', { token: staff });
    expect(books.body.books.map((listed) => listed.version)).toEqual(['default', '2027-01']);
    expect((await call('GET', '/v1/catalog/books', { token: owner })).status).toBe(403);
  });

  it('a price change applies from its date: earlier instants keep the earlier price', async () => {
    const before = await price('sku=key-1y&quantity=10');
    expect(before.body).toMatchObject({ priceBookVersion: 'default', unitPrice: { amount: 18_00 } });

    clock.advance(31 * DAY);
    const after = await price('sku=key-1y&quantity=10');
    expect(after.body).toMatchObject({ priceBookVersion: '2027-01', unitPrice: { amount: 25_00 } });
    expect((await call<Catalog>('GET', '/v1/catalog')).body.version).toBe('2027-01');
    // The new book sells no two-year key; the old instant still does.
    expectProblem(await price('sku=key-2y&quantity=10'), 404, 'product_not_found', 'sku');
    const earlier = await price(`sku=key-1y&quantity=10&at=${encodeURIComponent('2026-12-01T00:00:00Z')}`);
    expect(earlier.body).toMatchObject({ priceBookVersion: 'default', unitPrice: { amount: 18_00 } });
    const earlierCatalog = await call<Catalog>('GET', '/v1/catalog?at=2026-12-01T00:00:00Z');
    expect(earlierCatalog.body.version).toBe('default');
  });
});
