import { IdParam, pageSize, problemResponses, Shared } from '../../contract/common.js';
import {
  CreateOrder,
  CreateQuote,
  IdempotencyHeaders,
  Order,
  OrderPage,
  OrderQuery,
  Payment,
  PayOrder,
} from '../../contract/orders.js';
import { BEARER, requirePrincipal } from '../http/authenticate.js';
import { unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { payOrder } from './checkout.js';
import { cancelOrder, createOrder, createQuote } from './operations.js';
import { listOrders, showOrder } from './order-reads.js';

const tags = ['orders'];

export const orderRoutes: RouteModule = (app, ctx) => {
  app.addSchema(Order);

  app.post(
    '/v1/quotes',
    {
      schema: {
        tags,
        summary:
          'Price new keys, renewals or subscriptions at today’s prices; the quote keeps them for 30 days (the account’s owner or staff)',
        security: BEARER,
        body: CreateQuote,
        response: { 201: Shared(Order), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      const quote = unwrap(await createQuote(ctx, principal, request.body));
      return reply.code(201).send(quote);
    },
  );

  app.post(
    '/v1/orders',
    {
      schema: {
        tags,
        summary:
          'Order items at today’s prices, or place a quote at its prices, choosing how to pay: the purchase rules are checked and the invoice issued (the account’s owner or staff)',
        security: BEARER,
        headers: IdempotencyHeaders,
        body: CreateOrder,
        response: { 201: Shared(Order), ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      const order = unwrap(
        await createOrder(ctx, principal, request.body, request.headers['idempotency-key']),
      );
      return reply.code(201).send(order);
    },
  );

  app.get(
    '/v1/orders',
    {
      schema: {
        tags,
        summary: 'Orders and quotes, oldest first: staff any account’s, an owner the account’s own',
        security: BEARER,
        querystring: OrderQuery,
        response: { 200: OrderPage, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      const { limit, ...filter } = request.query;
      return unwrap(await listOrders(ctx, principal, { ...filter, limit: pageSize(limit) }));
    },
  );

  app.get(
    '/v1/orders/:id',
    {
      schema: {
        tags,
        summary: 'One order or quote, with the prices it was made with',
        security: BEARER,
        params: IdParam('ord', 'Order id'),
        response: { 200: Shared(Order), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      return unwrap(await showOrder(ctx, principal, request.params.id));
    },
  );

  app.post(
    '/v1/orders/:id/pay',
    {
      schema: {
        tags,
        summary:
          'Pay an open order by card or PayPal: approved, declined (with what to try next) or pending until the customer completes it',
        security: BEARER,
        headers: IdempotencyHeaders,
        params: IdParam('ord', 'Order id'),
        body: PayOrder,
        response: { 200: Payment, ...problemResponses(400, 401, 403, 404, 409, 422, 502) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      return unwrap(
        await payOrder(ctx, principal, request.params.id, request.body, request.headers['idempotency-key']),
      );
    },
  );

  app.post(
    '/v1/orders/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a quote or an unpaid order; its invoice is voided and keeps its number',
        security: BEARER,
        params: IdParam('ord', 'Order id'),
        response: { 200: Shared(Order), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      return unwrap(await cancelOrder(ctx, principal, request.params.id));
    },
  );
};
