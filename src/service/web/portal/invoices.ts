import type { Invoice } from '../../../contract/invoices.js';
import { formatAmount } from '../../../domain/money.js';
import { type Html, html, trusted } from '../../../html/html.js';
import { unwrap } from '../../http/problem.js';
import { documentFor } from '../../invoices/document.js';
import { listInvoices } from '../../invoices/operations.js';
import { invoiceMarkup } from '../../invoices/render-html.js';
import { renderInvoicePdf } from '../../invoices/render-pdf.js';
import { page } from '../layout.js';
import { badge, day, type Tone, table } from '../parts.js';
import { pathParam, sendPage } from '../respond.js';
import { requireOwner } from '../visitor.js';
import type { WebModule } from '../web-module.js';

const STATUS_TONE: Record<Invoice['status'], Tone> = {
  draft: 'plain',
  open: 'warn',
  paid: 'ok',
  void: 'bad',
};

function invoiceRow(invoice: Invoice): Html {
  const issued = invoice.number !== null;
  return html`<tr>
<td>${issued ? invoice.number : html`<span class="muted">draft</span>`}${invoice.kind === 'credit_note' ? html` <span class="badge">credit note</span>` : ''}</td>
<td>${invoice.finalizedAt === null ? '—' : day(invoice.finalizedAt)}</td>
<td class="number">${formatAmount(invoice.total, invoice.currency)}</td>
<td>${badge(invoice.status, STATUS_TONE[invoice.status])}</td>
<td>${invoice.order?.number ?? html`<span class="muted">—</span>`}</td>
<td>${issued ? html`<a href="/invoices/${invoice.id}" aria-label="Print Invoice ${invoice.number}">Print Invoice</a>` : ''}</td>
</tr>`;
}

/** Invoices (the owner's): the list, each as its printable document, and its PDF. */
export const invoicePages: WebModule = (app, { ctx }) => {
  app.get('/invoices', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const { invoices: all } = unwrap(await listInvoices(ctx, customer.principal, { newestFirst: true }));
    // Print Invoice for a license key: the invoices of the key's order.
    const order = (request.query as { order?: unknown }).order;
    const invoices =
      typeof order === 'string' ? all.filter((invoice) => invoice.order?.number === order) : all;
    const body = html`<h1>Invoices</h1>
${typeof order === 'string' ? html`<p>Of order ${order} · <a href="/invoices">all invoices</a></p>` : ''}
${table({
  caption: `${invoices.length} invoices, newest first`,
  head: ['Number', 'Date', 'Total', 'Status', 'Order', 'Document'],
  numeric: [2],
  rows: invoices.map(invoiceRow),
  empty:
    typeof order === 'string'
      ? 'This order has no invoice here: a key your vendor issued without an order has none.'
      : 'No invoices yet: each order issues one.',
})}
<p class="hint">Bank wire and ACH payment details are included on all invoices. <a href="/orders">Orders</a> · <a href="/billing-address">Billing Address</a></p>`;
    return sendPage(reply, page({ title: 'Invoices', visitor: customer, section: '/invoices', body }));
  });

  // Print Invoice: the same document as the PDF and the API's printable page, in the page frame.
  app.get('/invoices/:id', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const id = pathParam(request, 'id');
    const doc = unwrap(await documentFor(ctx, customer.principal, id));
    const { header, content } = invoiceMarkup(doc);
    const body = html`<article class="panel invoice">
<header>${trusted(header)}</header>
${trusted(content)}
</article>
<p class="actions"><a class="button" href="/invoices/${id}/pdf" download="${doc.fileName}">Download PDF</a>
<a href="/invoices">All invoices</a></p>`;
    return sendPage(reply, page({ title: doc.heading, visitor: customer, section: '/invoices', body }));
  });

  app.get('/invoices/:id/pdf', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const doc = unwrap(await documentFor(ctx, customer.principal, pathParam(request, 'id')));
    const pdf = await renderInvoicePdf(doc);
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="${doc.fileName}"`)
      .header('cache-control', 'private, no-store')
      .send(pdf);
  });
};
