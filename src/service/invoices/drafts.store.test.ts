import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { billedAccount, draftFor } from '../../../test/support/invoices.js';
import { parseTaxRates } from '../../domain/tax.js';
import type { ServiceContext } from '../context.js';
import { billingAddressFor, saveBillingAddress } from './billing-address.js';
import { createDraft, type DraftInput, finalizeInvoice } from './operations.js';
import { taxRateOf } from './tax-rate.js';

const by = (id: string) => ({ id, actor: 'usr_staff' });

const CHARGE = {
  description: 'Access Server, 20 connections, 182 days',
  quantity: 20,
  unitAmount: 599,
  amount: 11_980,
};

/** A plan of 10 connections scaled to 20 mid-period: the unused part of the old one is credited. */
const PRORATED = {
  currency: 'EUR',
  lines: [
    CHARGE,
    {
      description: 'Credit: 10 connections, 182 unused days',
      quantity: 1,
      unitAmount: -5_990,
      amount: -5_990,
    },
  ],
  subtotal: 5_990,
  // 19% of 59.90 is 11.381: rounded once.
  tax: 1_138,
  total: 7_128,
  taxRate: 190_000,
  actor: 'usr_staff',
};

describe.each(ENGINES)('drafts, credit notes and tax rates on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };

  beforeEach(async () => {
    ctx = await testContext(engine, new ManualClock('2026-11-30T12:00:00.000Z'));
  });
  afterEach(async () => ctx.cleanup());

  it('takes a credit line of negative amounts, and keeps the rate the tax was computed at', async () => {
    const { accountId } = await billedAccount(ctx);
    const drafted = await createDraft(ctx, { ...PRORATED, accountId });
    expect(drafted).toMatchObject({
      ok: true,
      value: { kind: 'invoice', creditsInvoiceId: null, taxRate: 190_000, tax: 1_138, total: 7_128 },
    });
    expect(drafted.ok && drafted.value.lines[1]).toEqual(PRORATED.lines[1]);
    // A credit larger than the charge: the whole invoice is negative, and so is its tax.
    const credit = { description: 'Credit', quantity: 2, unitAmount: -1_000, amount: -2_000 };
    expect(
      await createDraft(ctx, {
        ...PRORATED,
        accountId,
        lines: [credit],
        subtotal: -2_000,
        tax: -380,
        total: -2_380,
      }),
    ).toMatchObject({ ok: true, value: { total: -2_380 } });
  });

  it('refuses a tax that is not its rate of the subtotal, a rate out of range and a bad line', async () => {
    const { accountId } = await billedAccount(ctx);
    const base = { ...PRORATED, accountId };
    const line = CHARGE;
    const refusals: [Partial<DraftInput>, string][] = [
      [{ tax: 1_139, total: 7_129 }, 'tax'],
      [{ taxRate: 0 }, 'tax'],
      [{ taxRate: 1_000_001 }, 'taxRate'],
      [{ taxRate: 19.5 }, 'taxRate'],
      [{ lines: [{ ...line, amount: -11_980, unitAmount: 599 }, ...PRORATED.lines.slice(1)] }, 'lines'],
      [{ lines: [{ ...line, quantity: -20, unitAmount: -599 }, ...PRORATED.lines.slice(1)] }, 'lines'],
      [{ lines: [{ ...line, description: 'two\nlines' }, ...PRORATED.lines.slice(1)] }, 'lines'],
      [{ kind: 'credit_note' }, 'creditsInvoiceId'],
      [{ creditsInvoiceId: 'inv_0000000000aaaaaaaaaaaaaaaa' }, 'creditsInvoiceId'],
    ];
    for (const [change, field] of refusals)
      expect(await createDraft(ctx, { ...base, ...change }), JSON.stringify(change)).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', field },
      });
  });

  it('drafts a credit note for an issued invoice of the same account and currency only', async () => {
    const { accountId } = await billedAccount(ctx);
    const other = await billedAccount(ctx);
    const issued = await draftFor(ctx, accountId);
    const note = (change: Partial<DraftInput> = {}) =>
      createDraft(ctx, {
        ...PRORATED,
        accountId,
        kind: 'credit_note',
        creditsInvoiceId: issued.id,
        lines: [
          { description: 'Refund of 10 connections', quantity: 10, unitAmount: -1_200, amount: -12_000 },
        ],
        subtotal: -12_000,
        tax: -2_280,
        total: -14_280,
        ...change,
      });
    expect(await note()).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'creditsInvoiceId' },
    });
    expect(await finalizeInvoice(ctx, by(issued.id))).toMatchObject({ ok: true });
    expect(await note({ accountId: other.accountId })).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_found', field: 'creditsInvoiceId' },
    });
    expect(await note({ currency: 'USD' })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'currency' },
    });
    const drafted = await note();
    expect(drafted).toMatchObject({ ok: true, value: { kind: 'credit_note', creditsInvoiceId: issued.id } });
    if (!drafted.ok) return;
    expect(await finalizeInvoice(ctx, by(drafted.value.id))).toMatchObject({
      ok: true,
      value: { number: 'SK-000002', kind: 'credit_note' },
    });
    // A credit note does not credit another credit note.
    expect(await note({ creditsInvoiceId: drafted.value.id })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'creditsInvoiceId' },
    });
  });

  it('keeps the billing country, in capitals only, and null when none is given', async () => {
    const { accountId, owner } = await billedAccount(ctx);
    const address = { companyName: 'Müller GmbH', address: 'Hauptstraße 1', city: 'Berlin' };
    expect(await saveBillingAddress(ctx, owner, accountId, address)).toMatchObject({
      ok: true,
      value: { billingAddress: { country: null } },
    });
    for (const country of ['de', 'DEU', 'D1', 'Ä1'])
      expect(await saveBillingAddress(ctx, owner, accountId, { ...address, country })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', field: 'country' },
      });
    await saveBillingAddress(ctx, owner, accountId, { ...address, country: 'DE' });
    expect(await billingAddressFor(ctx, owner, accountId)).toMatchObject({
      ok: true,
      value: { billingAddress: { country: 'DE' } },
    });
  });

  it('takes the tax rate configured for the billing country, and 0 without a country or a rate', async () => {
    const { accountId, owner } = await billedAccount(ctx);
    const rates = parseTaxRates('DE=19,US=0');
    if (!rates.ok) throw new Error(rates.error.detail);
    const taxed = { ...ctx, policy: { ...ctx.policy, taxRates: rates.value } };
    const rate = () => taxRateOf(taxed, taxed.store.db, accountId);
    expect(await rate()).toBe(0);
    const address = { companyName: 'Müller GmbH', address: 'Hauptstraße 1', city: 'Berlin' };
    await saveBillingAddress(ctx, owner, accountId, address);
    expect(await rate()).toBe(0);
    await saveBillingAddress(ctx, owner, accountId, { ...address, country: 'DE' });
    expect(await rate()).toBe(190_000);
    expect(await taxRateOf(ctx, ctx.store.db, accountId)).toBe(0);
    await saveBillingAddress(ctx, owner, accountId, { ...address, country: 'FR' });
    expect(await rate()).toBe(0);
    await saveBillingAddress(ctx, owner, accountId, { ...address, country: 'US' });
    expect(await rate()).toBe(0);
  });

  it('refuses, in the store too, a country that is not two capitals and a credit note crediting nothing', async () => {
    const { accountId } = await billedAccount(ctx);
    const insert = (country: string) =>
      ctx.store.db
        .insertInto('billing_addresses')
        .values({ account_id: accountId, company_name: 'X', address: 'Y', city: 'Z', country, updated_at: 0 })
        .execute();
    await expect(insert('de')).rejects.toThrow();
    await expect(insert('D')).rejects.toThrow();
    await insert('DE');
    const draft = await draftFor(ctx, accountId);
    await expect(
      ctx.store.db.updateTable('invoices').set({ kind: 'credit_note' }).where('id', '=', draft.id).execute(),
    ).rejects.toThrow();
  });
});
