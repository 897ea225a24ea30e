import type { FastifyReply, FastifyRequest } from 'fastify';
import { INVOICE_STATUSES, type InvoiceStatus } from '../../../contract/invoices.js';
import type { Order } from '../../../contract/orders.js';
import { ERRORS, type Failure } from '../../../domain/errors.js';
import { ID_BODY } from '../../../domain/ids.js';
import { type Currency, formatMoney, money } from '../../../domain/money.js';
import { formError } from '../../../html/document.js';
import { csrfInput } from '../../../html/forms.js';
import { html } from '../../../html/html.js';
import { problem } from '../../http/problem.js';
import { listInvoices } from '../../invoices/operations.js';
import type { InvoiceView } from '../../invoices/views.js';
import { markInvoicePaid, voidInvoiceOrOrder } from '../../orders/invoice-settlement.js';
import { listOrders } from '../../orders/order-reads.js';
import { page } from '../layout.js';
import { badge, day, type Tone, table } from '../parts.js';
import { noticeOf, pathParam, queryParam, sendPage } from '../respond.js';
import { Redirect, requireStaffVisitor, type Visitor } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { accountLink, accountsByIds, choices } from './shared.js';

/** Rows a page of orders or invoices shows; "Next page" goes on from the last. */
const PAGE_SIZE = 50;

const amount = (minor: number, currency: string): string => formatMoney(money(minor, currency as Currency));

const ORDER_STATUSES: readonly Order['status'][] = ['quote', 'open', 'paid', 'canceled'];
const ORDER_TONE: Record<Order['status'], Tone> = {
  quote: 'plain',
  open: 'warn',
  paid: 'ok',
  canceled: 'bad',
};
const INVOICE_TONE: Record<InvoiceStatus, Tone> = { draft: 'plain', open: 'warn', paid: 'ok', void: 'bad' };

const oneOf = <T extends string>(value: string, allowed: readonly T[]): T | undefined =>
  (allowed as readonly string[]).includes(value) ? (value as T) : undefined;

/** A cursor from a link: an id of the kind the list pages by, or a page that does not exist. */
function cursorOf(request: FastifyRequest, prefix: string): string | undefined {
  const after = queryParam(request, 'after');
  if (after === '') return undefined;
  if (!new RegExp(`^${prefix}_${ID_BODY}$`).test(after))
    throw problem('validation_failed', `There is no page after ${after}.`, 'after');
  return after;
}

const nextLink = (path: string, filter: Record<string, string>, next: string | null) =>
  next === null
    ? ''
    : html`<p class="pages"><a href="${path}?${new URLSearchParams({ ...filter, after: next }).toString()}">Next page</a></p>`;

/** Orders (newest first) and invoices, where staff record a wire's arrival or void an invoice. */
export const billingPages: WebModule = (app, { ctx }) => {
  app.get('/console/orders', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    const status = oneOf(queryParam(request, 'status'), ORDER_STATUSES);
    const listed = await listOrders(ctx, staff.principal, {
      status,
      newestFirst: true,
      after: cursorOf(request, 'ord'),
      limit: PAGE_SIZE,
    });
    if (!listed.ok) throw problem(listed.error.code, listed.error.detail, listed.error.field);
    const { orders, next } = listed.value;
    const accounts = await accountsByIds(
      ctx,
      orders.map((order) => order.accountId),
    );
    const body = html`<h1>Orders</h1>
<form method="get" action="/console/orders" class="panel">
${choices('status', 'Status', [['', 'Any status'], ...ORDER_STATUSES.map((s) => [s, s] as const)], status ?? '')}
<p class="actions"><button type="submit" class="secondary">Filter</button></p>
</form>
${table({
  caption: `Orders${status === undefined ? '' : ` ${status}`}, newest first`,
  head: ['Order', 'Account', 'Status', 'Payment', 'Connections', 'Total', 'Created'],
  numeric: [4, 5],
  rows: orders.map(
    (order) => html`<tr>
<td>${order.number}</td>
<td>${accountLink(order.accountId, accounts.get(order.accountId))}</td>
<td>${badge(order.status, ORDER_TONE[order.status])}</td>
<td>${order.paymentMethod?.replace('_', ' ') ?? html`<span class="muted">—</span>`}</td>
<td class="number">${order.connections}</td>
<td class="number">${amount(order.total, order.currency)}</td>
<td>${day(order.createdAt)}</td>
</tr>`,
  ),
  empty: 'No order matches.',
})}
${nextLink('/console/orders', status === undefined ? {} : { status }, next)}`;
    return sendPage(reply, page({ title: 'Orders', visitor: staff, section: '/console/orders', body }));
  });

  async function invoicesPage(
    request: FastifyRequest,
    reply: FastifyReply,
    staff: Visitor,
    refusal?: Failure,
  ): Promise<FastifyReply> {
    // Open invoices by default: they are the ones waiting for staff.
    const asked = queryParam(request, 'status');
    const status = request.method === 'POST' || asked === '' ? 'open' : oneOf(asked, INVOICE_STATUSES);
    const listed = await listInvoices(ctx, staff.principal, {
      status,
      after: request.method === 'POST' ? undefined : cursorOf(request, 'inv'),
      limit: PAGE_SIZE,
    });
    if (!listed.ok) throw problem(listed.error.code, listed.error.detail, listed.error.field);
    const { invoices, next } = listed.value;
    const accounts = await accountsByIds(
      ctx,
      invoices.map((invoice) => invoice.accountId),
    );
    const body = html`<h1>Invoices</h1>
${formError(refusal?.detail)}
<form method="get" action="/console/invoices" class="panel">
${choices('status', 'Status', [...INVOICE_STATUSES.map((s) => [s, s] as const), ['all', 'Any status']], status ?? 'all')}
<p class="actions"><button type="submit" class="secondary">Filter</button></p>
</form>
${table({
  caption: `Invoices${status === undefined ? '' : ` ${status}`}, oldest first`,
  head: ['Number', 'Account', 'Kind', 'Status', 'Order', 'Total', 'Due', 'Action'],
  numeric: [5],
  rows: invoices.map((invoice) => invoiceRow(invoice, accounts, staff.csrf)),
  empty: status === 'open' ? 'No invoice is waiting for payment.' : 'No invoice matches.',
})}
${nextLink('/console/invoices', { status: status ?? 'all' }, next)}
<p class="hint">Mark paid when a bank wire, ACH or purchase order payment has arrived: an order’s keys are issued at once. Voiding an order’s invoice cancels the order; the invoice keeps its number.</p>`;
    return sendPage(
      reply,
      page({
        title: 'Invoices',
        visitor: staff,
        section: '/console/invoices',
        notice: noticeOf(request, { paid: 'Marked paid.', voided: 'Voided: it keeps its number.' }),
        body,
      }),
      refusal === undefined ? 200 : ERRORS[refusal.code].status,
    );
  }

  app.get('/console/invoices', async (request, reply) =>
    invoicesPage(request, reply, await requireStaffVisitor(ctx, request, reply)),
  );

  for (const [action, move, done] of [
    ['pay', markInvoicePaid, 'paid'],
    ['void', voidInvoiceOrOrder, 'voided'],
  ] as const)
    app.post(`/console/invoices/:id/${action}`, async (request, reply) => {
      const staff = await requireStaffVisitor(ctx, request, reply);
      const moved = await move(ctx, { id: pathParam(request), actor: staff.principal.userId });
      if (!moved.ok) {
        if (moved.error.code === 'invoice_not_found') throw problem(moved.error.code, moved.error.detail);
        return invoicesPage(request, reply, staff, moved.error);
      }
      throw new Redirect(`/console/invoices?done=${done}`);
    });
};

function invoiceRow(invoice: InvoiceView, accounts: Awaited<ReturnType<typeof accountsByIds>>, csrf: string) {
  const name = invoice.number ?? invoice.id;
  const actions =
    invoice.status === 'open'
      ? html`<form method="post" action="/console/invoices/${invoice.id}/pay" class="inline">${csrfInput(csrf)}<button type="submit" aria-label="Mark ${name} paid">Mark paid</button></form>
<form method="post" action="/console/invoices/${invoice.id}/void" class="inline">${csrfInput(csrf)}<button type="submit" class="danger" aria-label="Void ${name}">Void</button></form>`
      : '';
  return html`<tr>
<td>${invoice.number ?? html`<span class="muted">draft</span>`}</td>
<td>${accountLink(invoice.accountId, accounts.get(invoice.accountId))}</td>
<td>${invoice.kind === 'credit_note' ? 'credit note' : 'invoice'}</td>
<td>${badge(invoice.status, INVOICE_TONE[invoice.status])}</td>
<td>${invoice.order?.number ?? html`<span class="muted">—</span>`}</td>
<td class="number">${amount(invoice.total, invoice.currency)}</td>
<td>${invoice.dueAt === null ? '' : day(invoice.dueAt)}</td>
<td>${actions}</td>
</tr>`;
}
