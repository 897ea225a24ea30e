import { type TSchema, Type } from '@sinclair/typebox';
import { IdParam, pageSize, problemResponses, Shared } from '../../contract/common.js';
import {
  AccountBillingAddress,
  BillingAddress,
  BillingAddressInput,
  GapsQuery,
  Invoice,
  InvoiceGaps,
  InvoicePage,
  InvoiceQuery,
} from '../../contract/invoices.js';
import { BEARER, requirePrincipal, requireStaff } from '../http/authenticate.js';
import { unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { markInvoicePaid, voidInvoiceOrOrder } from '../orders/invoice-settlement.js';
import { billingAddressFor, saveBillingAddress } from './billing-address.js';
import { documentFor } from './document.js';
import { invoiceGaps } from './gaps.js';
import { finalizeInvoice, invoiceFor, listInvoices } from './operations.js';
import { INVOICE_HTML_CSP, renderInvoiceHtml } from './render-html.js';
import { renderInvoicePdf } from './render-pdf.js';
import { invoiceSeries } from './series.js';

const tags = ['invoices'];

export const invoiceRoutes: RouteModule = (app, ctx) => {
  app.addSchema(BillingAddress);
  app.addSchema(Invoice);

  app.get(
    '/v1/invoices',
    {
      schema: {
        tags,
        summary:
          'Invoices: staff see all (or one account’s), an account’s owner its own; members are refused',
        security: BEARER,
        querystring: InvoiceQuery,
        response: { 200: InvoicePage, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      const { limit, ...filter } = request.query;
      return unwrap(await listInvoices(ctx, principal, { ...filter, limit: pageSize(limit) }));
    },
  );

  app.get(
    '/v1/invoices/gaps',
    {
      schema: {
        tags,
        summary: 'Checks a series’ numbers: any missing between 1 and its counter, or given twice (staff)',
        security: BEARER,
        querystring: GapsQuery,
        response: { 200: InvoiceGaps, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      await requireStaff(ctx, request);
      return invoiceGaps(ctx.store.db, request.query.series ?? invoiceSeries(ctx));
    },
  );

  app.get(
    '/v1/invoices/:id',
    {
      schema: {
        tags,
        summary: 'One invoice, as it was issued (staff or the account’s owner)',
        security: BEARER,
        params: IdParam('inv', 'Invoice id'),
        response: { 200: Shared(Invoice), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      return unwrap(await invoiceFor(ctx, principal, request.params.id));
    },
  );

  /** A document answer: one content type, and the problems of `GET /v1/invoices/{id}` plus a draft's 409. */
  const documentSchema = <T extends TSchema>(
    summary: string,
    type: string,
    description: string,
    body: T,
  ) => ({
    tags,
    summary,
    security: BEARER,
    params: IdParam('inv', 'Invoice id'),
    response: {
      200: { description, content: { [type]: { schema: body } } },
      ...problemResponses(400, 401, 403, 404, 409),
    },
  });

  app.get(
    '/v1/invoices/:id/html',
    {
      schema: documentSchema(
        'An issued invoice as a printable web page (staff or the account’s owner); a draft has none (409 invoice_is_draft)',
        'text/html',
        'The invoice as an HTML page: the same words as its PDF',
        Type.String(),
      ),
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      const doc = unwrap(await documentFor(ctx, principal, request.params.id));
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', INVOICE_HTML_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(renderInvoiceHtml(doc));
    },
  );

  app.get(
    '/v1/invoices/:id/pdf',
    {
      schema: documentSchema(
        'An issued invoice as a PDF file, e.g. SK-000001.pdf (staff or the account’s owner); a draft has none (409 invoice_is_draft)',
        'application/pdf',
        'The invoice as a PDF file: the same words as its web page',
        Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }),
      ),
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      const doc = unwrap(await documentFor(ctx, principal, request.params.id));
      const pdf = await renderInvoicePdf(doc);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${doc.fileName}"`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  );

  const moves = [
    [
      'finalize',
      finalizeInvoice,
      'Finalize a draft: it takes the next number of the series and fixes "Billed To" (staff)',
    ],
    [
      'pay',
      markInvoicePaid,
      'Mark an open invoice paid (a bank wire, ACH or purchase order payment arrived); an order’s invoice fulfils the order (staff)',
    ],
    [
      'void',
      voidInvoiceOrOrder,
      'Void an open invoice; it keeps its number, and an order’s invoice cancels the order (staff)',
    ],
  ] as const;
  for (const [action, move, summary] of moves)
    app.post(
      `/v1/invoices/:id/${action}`,
      {
        schema: {
          tags,
          summary,
          security: BEARER,
          params: IdParam('inv', 'Invoice id'),
          response: { 200: Shared(Invoice), ...problemResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const { userId } = await requireStaff(ctx, request);
        return unwrap(await move(ctx, { id: request.params.id, actor: userId }));
      },
    );

  app.get(
    '/v1/accounts/:id/billing-address',
    {
      schema: {
        tags,
        summary: 'The account’s billing address (its owner or staff)',
        security: BEARER,
        params: IdParam('acc', 'Account id'),
        response: { 200: AccountBillingAddress, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      return unwrap(await billingAddressFor(ctx, principal, request.params.id));
    },
  );

  app.put(
    '/v1/accounts/:id/billing-address',
    {
      schema: {
        tags,
        summary:
          'Save the billing address: invoices finalized from now on show it in "Billed To"; issued ones do not change (its owner or staff)',
        security: BEARER,
        params: IdParam('acc', 'Account id'),
        body: BillingAddressInput,
        response: { 200: AccountBillingAddress, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      return unwrap(await saveBillingAddress(ctx, principal, request.params.id, request.body));
    },
  );
};
