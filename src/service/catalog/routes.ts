import {
  Catalog,
  CatalogQuery,
  PriceBookInput,
  PriceBookList,
  PriceBookView,
  PricedLine,
  PriceQuery,
} from '../../contract/catalog.js';
import { problemResponses } from '../../contract/common.js';
import { BEARER, requireStaff } from '../http/authenticate.js';
import { unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { addPriceBook, catalogAt, listPriceBooks, priceOf } from './operations.js';

const tags = ['catalog'];

/** The catalog is public: what a buyer would pay is no secret. Publishing a book is staff's. */
export const catalogRoutes: RouteModule = (app, ctx) => {
  const atOr = (at: string | undefined) => (at === undefined ? ctx.clock.now() : new Date(at));

  app.get(
    '/v1/catalog',
    {
      schema: {
        tags,
        summary: 'The products on sale and their price per connection by quantity (now, or `at`)',
        querystring: CatalogQuery,
        response: { 200: Catalog, ...problemResponses(400, 404) },
      },
    },
    async (request) => unwrap(await catalogAt(ctx, atOr(request.query.at))),
  );

  app.get(
    '/v1/catalog/price',
    {
      schema: {
        tags,
        summary: 'The priced line for a quantity of one SKU, at the book in force now (or `at`)',
        querystring: PriceQuery,
        response: { 200: PricedLine, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { sku, quantity, at } = request.query;
      return unwrap(await priceOf(ctx, sku, Number(quantity), atOr(at)));
    },
  );

  app.get(
    '/v1/catalog/books',
    {
      schema: {
        tags,
        summary: 'Every price book published, by effective date (staff)',
        security: BEARER,
        response: { 200: PriceBookList, ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      await requireStaff(ctx, request);
      return { books: await listPriceBooks(ctx) };
    },
  );

  app.post(
    '/v1/catalog/books',
    {
      schema: {
        tags,
        summary: 'Publish a new price book, in force from its effective date (staff); books never change',
        security: BEARER,
        body: PriceBookInput,
        response: { 201: PriceBookView, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { userId } = await requireStaff(ctx, request);
      return reply.code(201).send(unwrap(await addPriceBook(ctx, { book: request.body, actor: userId })));
    },
  );
};
