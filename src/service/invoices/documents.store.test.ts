import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, freshStore, testContext } from '../../../test/support/engines.js';
import { billedAccount, draftFor } from '../../../test/support/invoices.js';
import { htmlText, pdfText, pdftotextAvailable, words } from '../../../test/support/pdf-text.js';
import { money } from '../../domain/money.js';
import { invoiceTotals, parseTaxRates } from '../../domain/tax.js';
import { addMember } from '../accounts/operations.js';
import type { Principal } from '../auth/principal.js';
import { DEFAULT_POLICY, type ServiceContext } from '../context.js';
import { openContext } from '../runtime.js';
import { saveBillingAddress } from './billing-address.js';
import { documentFor } from './document.js';
import { createDraft, finalizeInvoice } from './operations.js';
import { renderInvoiceHtml } from './render-html.js';
import { renderInvoicePdf } from './render-pdf.js';
import { taxRateOf } from './tax-rate.js';

const staff: Principal = { kind: 'staff', userId: 'usr_staff' };
const MUELLER = {
  companyName: 'Müller GmbH',
  address: 'ul. Piotrkowska 104',
  city: 'Łódź',
  state: 'Łódzkie',
  taxInfo: 'DE123456789',
  country: 'DE',
};
const LINES = [
  { description: 'Access Server, 25 connections, 1 year', quantity: 25, unitAmount: 1_800 },
  { description: 'Credit: 10 connections, 182 unused days', quantity: 1, unitAmount: -9_973 },
];
const pdftotext = pdftotextAvailable();

describe.each(ENGINES)('invoice documents on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };

  beforeAll(() => {
    if (!pdftotext.available && pdftotext.required)
      throw new Error('pdftotext is missing: install the Debian package poppler-utils');
  });
  beforeEach(async () => {
    const base = await testContext(engine, new ManualClock('2026-11-30T12:00:00.000Z'));
    const rates = parseTaxRates('DE=19,FR=20,US=0');
    if (!rates.ok) throw new Error(rates.error.detail);
    ctx = { ...base, policy: { ...base.policy, taxRates: rates.value } };
  });
  afterEach(async () => ctx.cleanup());

  /** An invoice of two lines, taxed at the rate of the account's billing country, finalized. */
  async function issued(accountId: string): Promise<string> {
    const taxRate = await taxRateOf(ctx, ctx.store.db, accountId);
    const lines = LINES.map((line) => ({ ...line, amount: line.quantity * line.unitAmount }));
    const totals = invoiceTotals(
      lines.map((line) => money(line.amount, 'EUR')),
      taxRate,
      'EUR',
    );
    const drafted = await createDraft(ctx, {
      accountId,
      currency: 'EUR',
      lines,
      subtotal: totals.subtotal.amount,
      tax: totals.tax.amount,
      total: totals.total.amount,
      taxRate,
      actor: 'usr_staff',
    });
    if (!drafted.ok) throw new Error(drafted.error.detail);
    const finalized = await finalizeInvoice(ctx, { id: drafted.value.id, actor: 'usr_staff' });
    if (!finalized.ok) throw new Error(finalized.error.detail);
    return drafted.value.id;
  }

  const documentOf = async (principal: Principal, id: string) => {
    const doc = await documentFor(ctx, principal, id);
    if (!doc.ok) throw new Error(doc.error.detail);
    return doc.value;
  };

  it.skipIf(!pdftotext.available && !pdftotext.required)(
    'prints Billed To, each line, the tax and the total in the PDF, word for word as the web page',
    async () => {
      const { accountId, owner } = await billedAccount(ctx, 'Müller GmbH');
      expect(await saveBillingAddress(ctx, owner, accountId, MUELLER)).toMatchObject({ ok: true });
      const id = await issued(accountId);
      const doc = await documentOf(owner, id);
      const text = pdfText(await renderInvoicePdf(doc));

      expect(text).toContain('Invoice SK-000001');
      expect(text).toMatch(/Billed To\n+Müller GmbH\n/);
      for (const line of ['ul. Piotrkowska 104', 'Łódź', 'Łódzkie', 'Germany', 'Tax ID: DE123456789'])
        expect(text).toMatch(new RegExp(`^${line}$`, 'm'));
      // 25 x 18.00 = 450.00; less 99.73 is 350.27; 19% of it is 66.5513, rounded once.
      expect(text).toMatch(/^Access Server, 25 connections, 1 year +25 +€18\.00 +€450\.00$/m);
      expect(text).toMatch(/^Credit: 10 connections, 182 unused days +1 +-€99\.73 +-€99\.73$/m);
      expect(text).toMatch(/^ +Subtotal +€350\.27$/m);
      expect(text).toMatch(/^ +Tax \(19%\) +€66\.55$/m);
      expect(text).toMatch(/^ +Total +€416\.82$/m);
      expect(text).toContain('Bank wire and ACH details are available from Seatkeeper on request.');
      expect(words(text)).toEqual(words(htmlText(renderInvoiceHtml(doc))));
    },
  );

  it.skipIf(!pdftotext.available && !pdftotext.required)(
    'prints the configured bank details, the seller and a credit note the same way in both',
    async () => {
      const bank = [
        'Bank wire: IBAN DE89 3704 0044 0532 0130 00 (BIC COBADEFFXXX)',
        'ACH: routing 026009593',
      ];
      ctx = { ...ctx, policy: { ...ctx.policy, bankDetails: bank, sellerName: 'Seatkeeper & Söhne GmbH' } };
      const { accountId, owner } = await billedAccount(ctx, 'Müller GmbH');
      await saveBillingAddress(ctx, owner, accountId, { ...MUELLER, country: 'US' });
      const invoiceId = await issued(accountId);
      const note = await createDraft(ctx, {
        accountId,
        currency: 'EUR',
        kind: 'credit_note',
        creditsInvoiceId: invoiceId,
        lines: [{ description: 'Refund: 25 connections', quantity: 25, unitAmount: -1_800, amount: -45_000 }],
        subtotal: -45_000,
        tax: 0,
        total: -45_000,
        actor: 'usr_staff',
      });
      if (!note.ok) throw new Error(note.error.detail);
      await finalizeInvoice(ctx, { id: note.value.id, actor: 'usr_staff' });
      // Issued documents keep who issued them: a later configuration changes only later ones.
      ctx = {
        ...ctx,
        policy: { ...ctx.policy, bankDetails: ['ACH: elsewhere'], sellerName: 'Someone Else Ltd' },
      };
      const doc = await documentOf(staff, note.value.id);
      const text = pdfText(await renderInvoicePdf(doc));
      expect(text).toMatch(/^Seatkeeper & Söhne GmbH$/m);
      expect(text).toContain('Credit note SK-000002');
      expect(text).toContain('Credits invoice SK-000001');
      expect(text).toMatch(/^ +Tax \(0%\) +€0\.00$/m);
      expect(text).toContain('The total is refunded to the original method of payment.');
      expect(text).not.toContain('Someone Else');
      // The invoice it credits prints how to pay it, with the bank details it was issued with.
      const invoiceText = pdfText(await renderInvoicePdf(await documentOf(staff, invoiceId)));
      for (const line of bank) expect(invoiceText).toContain(line);
      expect(words(text)).toEqual(words(htmlText(renderInvoiceHtml(doc))));
    },
  );

  it('shows an invoice billed to the address it was finalized with, after the address changed', async () => {
    const { accountId, owner } = await billedAccount(ctx, 'Müller GmbH');
    await saveBillingAddress(ctx, owner, accountId, MUELLER);
    const before = await issued(accountId);
    await saveBillingAddress(ctx, owner, accountId, {
      ...MUELLER,
      city: 'Berlin',
      state: null,
      country: 'FR',
    });
    const after = await issued(accountId);
    const old = await documentOf(owner, before);
    expect(old.billedTo.lines).toEqual(expect.arrayContaining(['Łódź', 'Łódzkie', 'Germany']));
    expect(old.billedTo.lines).not.toContain('Berlin');
    expect(old.totals[1]?.label).toBe('Tax (19%)');
    const html = renderInvoiceHtml(old);
    expect(html).toContain('<p>Łódź</p>');
    expect(html).not.toContain('Berlin');
    if (pdftotext.available) expect(pdfText(await renderInvoicePdf(old))).not.toContain('Berlin');
    const next = await documentOf(owner, after);
    expect(next.billedTo.lines).toEqual(expect.arrayContaining(['Berlin', 'France']));
    expect(next.totals[1]?.label).toBe('Tax (20%)');
  });

  it('prints the seller and bank details the service was opened with', async () => {
    const store = await freshStore(engine);
    const opened = await openContext(
      {
        ...store,
        certificateTtlMs: DEFAULT_POLICY.certificateTtlMs,
        sellerName: 'Seatkeeper Inc.',
        bankDetails: ['ACH: routing 026009593'],
      },
      new ManualClock('2026-11-30T12:00:00.000Z'),
    );
    try {
      const { accountId } = await billedAccount(opened);
      const draft = await draftFor(opened, accountId);
      await finalizeInvoice(opened, { id: draft.id, actor: 'usr_staff' });
      const doc = await documentFor(opened, staff, draft.id);
      expect(doc).toMatchObject({
        ok: true,
        value: {
          seller: 'Seatkeeper Inc.',
          payment: { lines: ['ACH: routing 026009593', expect.any(String)] },
        },
      });
    } finally {
      await opened.store.close();
      await store.cleanup();
    }
  });

  it('has no document for a draft, and shows one to the owner and staff only', async () => {
    const a = await billedAccount(ctx);
    const b = await billedAccount(ctx);
    const added = await addMember(ctx, a.accountId, 'member@acme.example');
    if (!added.ok) throw new Error(added.error.detail);
    const member: Principal = {
      kind: 'account',
      userId: added.value.userId,
      accountId: a.accountId,
      role: 'member',
    };
    const draft = await draftFor(ctx, a.accountId);
    expect(await documentFor(ctx, staff, draft.id)).toMatchObject({
      ok: false,
      error: { code: 'invoice_is_draft', field: 'id' },
    });
    expect(await documentFor(ctx, member, draft.id)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    await finalizeInvoice(ctx, { id: draft.id, actor: 'usr_staff' });
    expect(await documentFor(ctx, member, draft.id)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await documentFor(ctx, b.owner, draft.id)).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_found' },
    });
    expect(await documentFor(ctx, a.owner, draft.id)).toMatchObject({
      ok: true,
      value: { number: 'SK-000001' },
    });
    expect(await documentFor(ctx, staff, 'inv_0000000000aaaaaaaaaaaaaaaa')).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_found' },
    });
  });
});
