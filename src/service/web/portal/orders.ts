import type { FastifyReply } from 'fastify';
import type { Order, Payment } from '../../../contract/orders.js';
import { ERRORS, type Failure } from '../../../domain/errors.js';
import { field } from '../../../html/forms.js';
import { html } from '../../../html/html.js';
import type { ServiceContext } from '../../context.js';
import { problem, unwrap } from '../../http/problem.js';
import { completeTestPayment, payOrder } from '../../orders/checkout.js';
import { createOrder } from '../../orders/operations.js';
import { listOrders, showOrder } from '../../orders/order-reads.js';
import { page } from '../layout.js';
import { day, table } from '../parts.js';
import { noticeOf, pathParam, sendPage } from '../respond.js';
import { type Customer, Redirect, requireOwner } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import {
  loadOrderPage,
  type OrderPageState,
  orderPage,
  orderStatusBadge,
  pendingPage,
  price,
  renewsOnly,
} from './order-page.js';

/** A form's attempt token, as the page made it: anything else is not a form of ours. */
export function attemptOf(body: unknown): string {
  const attempt = field(body, 'attempt');
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(attempt))
    throw problem(
      'validation_failed',
      'This form is incomplete: reload the page and send it again.',
      'attempt',
    );
  return attempt;
}

const PAID_NOTICE = {
  paid: 'Paid: thank you. The invoice is below.',
  placed: 'Ordered: the invoice is issued.',
};

async function showOrderPage(
  ctx: ServiceContext,
  reply: FastifyReply,
  customer: Customer,
  order: Order,
  state: OrderPageState,
  status = 200,
): Promise<FastifyReply> {
  return sendPage(reply, orderPage(ctx, customer, await loadOrderPage(ctx, customer, order), state), status);
}

/** The order page again with the refusal, at its status; the order as it is now. */
async function refused(
  ctx: ServiceContext,
  reply: FastifyReply,
  customer: Customer,
  orderId: string,
  failure: Failure,
): Promise<FastifyReply> {
  const order = unwrap(await showOrder(ctx, customer.principal, orderId));
  return showOrderPage(ctx, reply, customer, order, { error: failure.detail }, ERRORS[failure.code].status);
}

/** Where a payment's answer takes the customer: the keys it renewed, the paid order, the bank, or the decline. */
async function afterPayment(
  ctx: ServiceContext,
  reply: FastifyReply,
  customer: Customer,
  payment: Payment,
): Promise<FastifyReply> {
  const { order } = payment;
  if (payment.status === 'succeeded')
    throw new Redirect(renewsOnly(order) ? '/keys?done=renewed' : `/orders/${order.id}?done=paid`);
  if (payment.status === 'declined')
    return showOrderPage(
      ctx,
      reply,
      customer,
      order,
      { declined: payment.declineReason ?? 'The payment failed.' },
      ERRORS.payment_declined.status,
    );
  return sendPage(reply, pendingPage(ctx, customer, order, { id: payment.id, actionUrl: payment.actionUrl }));
}

/** Orders: the list, one order's page, paying it (card or PayPal) and the test provider's 3-D Secure step. */
export const orderPages: WebModule = (app, { ctx }) => {
  app.get('/orders', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const { orders } = unwrap(await listOrders(ctx, customer.principal, { newestFirst: true }));
    const rows = orders.map(
      (
        order,
      ) => html`<tr><td><a href="/orders/${order.id}">${order.number}</a></td><td>${day(order.createdAt)}</td>
<td>${orderStatusBadge(order)}</td><td class="number">${order.connections}</td><td class="number">${price(order.total, order)}</td>
<td>${order.invoiceId === null ? html`<span class="muted">—</span>` : html`<a href="/invoices/${order.invoiceId}">Print Invoice</a>`}</td></tr>`,
    );
    return sendPage(
      reply,
      page({
        title: 'Orders',
        visitor: customer,
        section: '/keys',
        body: html`<h1>Orders</h1>
${table({ caption: `${orders.length} orders and quotes, newest first`, head: ['Order', 'Created', 'Status', 'Connections', 'Total', 'Invoice'], numeric: [3, 4], rows, empty: 'No orders yet.' })}
<p class="actions"><a class="button" href="/buy">Buy new keys</a> <a href="/keys">Renew keys</a></p>`,
      }),
    );
  });

  app.get('/orders/:id', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const order = unwrap(await showOrder(ctx, customer.principal, pathParam(request, 'id')));
    return showOrderPage(ctx, reply, customer, order, { notice: noticeOf(request, PAID_NOTICE) });
  });

  app.post('/orders/:id/pay', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const id = pathParam(request, 'id');
    const order = unwrap(await showOrder(ctx, customer.principal, id));
    const attempt = attemptOf(request.body);
    const method = field(request.body, 'method') === 'paypal' ? 'paypal' : 'card';
    const card = field(request.body, 'card').replace(/[\s-]/g, '');
    if (method === 'card' && ctx.payments.name === 'test' && card === '')
      return refused(ctx, reply, customer, id, {
        code: 'validation_failed',
        detail: 'Type the card number.',
      });
    // A quote is placed first, paid the way chosen; an order placed already (a declined card) is paid again.
    if (order.status === 'quote') {
      const placed = await createOrder(
        ctx,
        customer.principal,
        { quoteId: id, paymentMethod: method },
        `web-place:${attempt}`,
      );
      if (!placed.ok) return refused(ctx, reply, customer, id, placed.error);
    }
    const paid = await payOrder(
      ctx,
      customer.principal,
      id,
      { method, ...(method === 'card' && card !== '' ? { paymentToken: card } : {}) },
      `web-pay:${attempt}:${method}`,
    );
    if (!paid.ok) return refused(ctx, reply, customer, id, paid.error);
    return afterPayment(ctx, reply, customer, paid.value);
  });

  // The test provider's stand-in for the bank's 3-D Secure page; another provider's payment is unknown here.
  app.post('/payments/:id/complete', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const outcome = field(request.body, 'outcome') === 'declined' ? 'declined' : 'succeeded';
    const completed = unwrap(
      await completeTestPayment(ctx, customer.principal, pathParam(request, 'id'), outcome),
    );
    return afterPayment(ctx, reply, customer, completed);
  });
};
