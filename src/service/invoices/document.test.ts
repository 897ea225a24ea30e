import { describe, expect, it } from 'vitest';
import { htmlText, pdfText, pdftotextAvailable, words } from '../../../test/support/pdf-text.js';
import type { Invoice } from '../../contract/invoices.js';
import { formatAmount } from '../../domain/money.js';
import { invoiceDocument } from './document.js';
import { renderInvoiceHtml } from './render-html.js';
import { renderInvoicePdf } from './render-pdf.js';
import type { Seller } from './seller.js';

const SELLER: Seller = { name: 'Seatkeeper', bankDetails: undefined };

const ISSUED: Invoice = {
  id: 'inv_0000000000aaaaaaaaaaaaaaaa',
  accountId: 'acc_0000000000aaaaaaaaaaaaaaaa',
  status: 'open',
  order: null,
  kind: 'invoice',
  creditsInvoiceId: null,
  number: 'SK-000012',
  series: 'SK-',
  sequence: 12,
  currency: 'EUR',
  lines: [
    { description: 'Access Server, 20 connections, 182 days', quantity: 20, unitAmount: 599, amount: 11_980 },
    {
      description: 'Credit: 10 connections, 182 unused days',
      quantity: 1,
      unitAmount: -5_990,
      amount: -5_990,
    },
  ],
  subtotal: 5_990,
  taxRate: 190_000,
  tax: 1_138,
  total: 7_128,
  billedTo: {
    accountName: 'Müller',
    email: 'billing@mueller.example',
    address: {
      companyName: 'Müller GmbH',
      address: 'ul. Piotrkowska 1',
      city: 'Łódź',
      state: null,
      taxInfo: 'PL1234567890',
      phone: null,
      website: 'https://mueller.example',
      country: 'PL',
    },
  },
  createdAt: '2026-11-29T08:00:00.000Z',
  finalizedAt: '2026-11-30T12:00:00.000Z',
  dueAt: '2026-12-30T12:00:00.000Z',
  paidAt: null,
  voidedAt: null,
};

const built = (invoice: Invoice, seller = SELLER, credited: string | null = null) => {
  const doc = invoiceDocument(invoice, seller, credited);
  if (!doc.ok) throw new Error(doc.error.detail);
  return doc.value;
};

describe('the document of an invoice', () => {
  it('holds what the invoice stored, formatted once for both renderings', () => {
    expect(built(ISSUED)).toEqual({
      title: 'Invoice',
      number: 'SK-000012',
      heading: 'Invoice SK-000012',
      seller: 'Seatkeeper',
      facts: [
        { label: 'Issue date', value: '30 November 2026' },
        { label: 'Due date', value: '30 December 2026' },
        { label: 'Status', value: 'Open' },
      ],
      credits: null,
      billedTo: {
        heading: 'Billed To',
        lines: [
          'Müller',
          'billing@mueller.example',
          'Müller GmbH',
          'ul. Piotrkowska 1',
          'Łódź',
          'Poland',
          'Tax ID: PL1234567890',
          'https://mueller.example',
        ],
      },
      columns: ['Description', 'Quantity', 'Unit price', 'Amount'],
      lines: [
        {
          description: 'Access Server, 20 connections, 182 days',
          quantity: '20',
          unitPrice: '€5.99',
          amount: '€119.80',
        },
        {
          description: 'Credit: 10 connections, 182 unused days',
          quantity: '1',
          unitPrice: '-€59.90',
          amount: '-€59.90',
        },
      ],
      totals: [
        { label: 'Subtotal', value: '€59.90' },
        { label: 'Tax (19%)', value: '€11.38' },
        { label: 'Total', value: '€71.28' },
      ],
      payment: {
        heading: 'Pay by bank wire or ACH',
        lines: [
          'Bank wire and ACH details are available from Seatkeeper on request.',
          'Quote SK-000012 as the payment reference.',
        ],
      },
      issuedAt: new Date('2026-11-30T12:00:00.000Z'),
      fileName: 'SK-000012.pdf',
    });
  });

  it('prints the configured bank details, the rate to its decimals and the status as it is now', () => {
    const bank = ['Bank wire: IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX', 'ACH: routing 026009593'];
    const doc = built(
      { ...ISSUED, status: 'paid', paidAt: '2026-12-01T00:00:00.000Z', taxRate: 88_750 },
      { name: 'Seatkeeper Inc.', bankDetails: bank },
    );
    expect(doc.payment.lines).toEqual([...bank, 'Quote SK-000012 as the payment reference.']);
    expect(doc.totals[1]?.label).toBe('Tax (8.875%)');
    expect(doc.facts[2]).toEqual({ label: 'Status', value: 'Paid' });
    expect(doc.seller).toBe('Seatkeeper Inc.');
  });

  it('titles a credit note and names the invoice it credits', () => {
    const doc = built(
      {
        ...ISSUED,
        kind: 'credit_note',
        creditsInvoiceId: 'inv_0000000000bbbbbbbbbbbbbbbb',
        number: 'SK-000013',
      },
      SELLER,
      'SK-000012',
    );
    expect([doc.title, doc.heading, doc.credits, doc.fileName]).toEqual([
      'Credit note',
      'Credit note SK-000013',
      'Credits invoice SK-000012',
      'SK-000013.pdf',
    ]);
  });

  it('bills to the name and email alone when no address was saved, and reads a Billed To stored before countries', () => {
    expect(
      built({ ...ISSUED, billedTo: { accountName: 'Acme', email: 'a@acme.example', address: null } }).billedTo
        .lines,
    ).toEqual(['Acme', 'a@acme.example']);
    const { country: _country, ...withoutCountry } = ISSUED.billedTo?.address ?? { country: null };
    const old = built({
      ...ISSUED,
      billedTo: {
        accountName: 'Müller GmbH',
        email: 'b@m.example',
        address: {
          ...withoutCountry,
          companyName: 'Müller GmbH',
          address: 'A 1',
          city: 'Łódź',
          state: 'Łódzkie',
          taxInfo: null,
          phone: '+48 1',
          website: null,
        },
      },
    });
    expect(old.billedTo.lines).toEqual([
      'Müller GmbH',
      'b@m.example',
      'A 1',
      'Łódź',
      'Łódzkie',
      'Phone: +48 1',
    ]);
  });

  it('prints a currency without a symbol after the amount', () => {
    expect(formatAmount(-123_456, 'CHF')).toBe('-1,234.56 CHF');
    expect(formatAmount(123_456, 'GBP')).toBe('£1,234.56');
  });

  it('refuses a draft: it has no number, no date and no Billed To yet', () => {
    const draft = {
      ...ISSUED,
      status: 'draft' as const,
      number: null,
      series: null,
      sequence: null,
      finalizedAt: null,
      dueAt: null,
      billedTo: null,
    };
    expect(invoiceDocument(draft, SELLER)).toMatchObject({
      ok: false,
      error: { code: 'invoice_is_draft', field: 'id', detail: expect.stringContaining('finalize it first') },
    });
  });
});

describe('the invoice as a web page', () => {
  const hostile: Invoice = {
    ...ISSUED,
    billedTo: { accountName: '<script>alert(1)</script>', email: 'a&b@x.example', address: null },
  };

  it('is a whole page with a language, a title and a table whose headers have a scope, and no script', () => {
    const html = renderInvoiceHtml(built(hostile));
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html).toContain('<title>Invoice SK-000012 from Seatkeeper</title>');
    expect(html).toContain('<th scope="col">Description</th>');
    expect(html).toContain('<th scope="row">Access Server, 20 connections, 182 days</th>');
    expect(html).toContain('<th scope="row" colspan="3">Tax (19%)</th>');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('a&amp;b@x.example');
    expect(words(htmlText(html))).toEqual(
      expect.arrayContaining(['<script>alert(1)</script>', 'a&b@x.example', '€71.28']),
    );
  });
});

describe('the invoice as a PDF', () => {
  it('is the same file each time, dated when the invoice was issued', async () => {
    const doc = built(ISSUED);
    const first = await renderInvoicePdf(doc);
    expect(first.subarray(0, 5).toString()).toBe('%PDF-');
    expect(first.equals(await renderInvoicePdf(doc))).toBe(true);
    // The info dictionary's dates, CreationDate and ModDate, are the only dates in the file.
    expect(first.toString('latin1').match(/\(D:\d{14}Z\)/g)).toEqual([
      '(D:20261130120000Z)',
      '(D:20261130120000Z)',
    ]);
  });

  const pdftotext = pdftotextAvailable();
  it.skipIf(!pdftotext.available && !pdftotext.required)(
    'runs onto more pages when the lines do not fit one, every word still in the web page’s order',
    async () => {
      const many = Array.from({ length: 70 }, (_, i) => ({
        description: `Access Server, 1 connection, server ${i + 1} of 70`,
        quantity: 1,
        unitAmount: 1_200,
        amount: 1_200,
      }));
      const doc = built({ ...ISSUED, lines: many, subtotal: 84_000, tax: 15_960, total: 99_960 });
      const pdf = await renderInvoicePdf(doc);
      expect(pdf.toString('latin1').match(/\/Type \/Page\b/g)?.length).toBeGreaterThan(1);
      expect(words(pdfText(pdf))).toEqual(words(htmlText(renderInvoiceHtml(doc))));
    },
  );

  it('refuses to draw without its font, naming the Debian package that has it', async () => {
    await expect(async () =>
      renderInvoicePdf(built(ISSUED), { regular: '/nonexistent/DejaVuSans.ttf', bold: '/nonexistent/b.ttf' }),
    ).rejects.toThrow(/\/nonexistent\/DejaVuSans\.ttf .*fonts-dejavu-core/);
  });
});
