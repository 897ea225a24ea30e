import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { billedAccount, draftFor } from '../../../test/support/invoices.js';
import { addMember } from '../accounts/operations.js';
import { auditTrail } from '../audit/log.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { billingAddressFor, saveBillingAddress } from './billing-address.js';
import { invoiceGaps } from './gaps.js';
import {
  createDraft,
  type DraftInput,
  finalizeInvoice,
  invoiceFor,
  listInvoices,
  payInvoice,
  voidInvoice,
} from './operations.js';

const staff: Principal = { kind: 'staff', userId: 'usr_staff' };
const by = (id: string) => ({ id, actor: 'usr_staff' });
const ADDRESS = { companyName: 'Acme GmbH', address: 'Hauptstraße 1', city: 'Łódź', taxInfo: 'DE123456789' };

describe.each(ENGINES)('invoices on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-30T12:00:00.000Z');
    ctx = await testContext(engine, clock);
  });
  afterEach(async () => ctx.cleanup());

  it('numbers an invoice when it is finalized, not when drafted, and dates it', async () => {
    const { accountId } = await billedAccount(ctx);
    const first = await draftFor(ctx, accountId, { netDays: 14 });
    const second = await draftFor(ctx, accountId);
    expect(first).toMatchObject({ status: 'draft', number: null, billedTo: null, finalizedAt: null });
    // The second draft is finalized first: it is number 1.
    expect(await finalizeInvoice(ctx, by(second.id))).toMatchObject({
      ok: true,
      value: { number: 'SK-000001' },
    });
    clock.advance(DAY);
    const finalized = await finalizeInvoice(ctx, by(first.id));
    expect(finalized).toMatchObject({
      ok: true,
      value: {
        status: 'open',
        number: 'SK-000002',
        series: 'SK-',
        sequence: 2,
        finalizedAt: '2026-12-01T12:00:00.000Z',
        dueAt: '2026-12-15T12:00:00.000Z',
      },
    });
  });

  it('moves open -> paid and open -> void, and refuses every other move without changing anything', async () => {
    const { accountId } = await billedAccount(ctx);
    const draft = await draftFor(ctx, accountId);
    expect(await payInvoice(ctx, by(draft.id))).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_open' },
    });
    expect(await voidInvoice(ctx, by(draft.id))).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_open' },
    });
    expect(await finalizeInvoice(ctx, by(draft.id))).toMatchObject({ ok: true });
    expect(await finalizeInvoice(ctx, by(draft.id))).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_draft' },
    });
    const paid = await payInvoice(ctx, by(draft.id));
    expect(paid).toMatchObject({ ok: true, value: { status: 'paid', paidAt: clock.now().toISOString() } });
    expect(await payInvoice(ctx, by(draft.id))).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_open' },
    });
    expect(await voidInvoice(ctx, by(draft.id))).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_open' },
    });

    const other = await draftFor(ctx, accountId);
    await finalizeInvoice(ctx, by(other.id));
    const voided = await voidInvoice(ctx, by(other.id));
    // A voided invoice keeps its number: the series stays whole.
    expect(voided).toMatchObject({ ok: true, value: { status: 'void', number: 'SK-000002' } });
    expect(await payInvoice(ctx, by(other.id))).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_open' },
    });
    expect(await finalizeInvoice(ctx, by(other.id))).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_draft' },
    });
    expect(await invoiceGaps(ctx.store.db, 'SK-')).toEqual({
      series: 'SK-',
      lastNumber: 2,
      missing: [],
      duplicates: [],
      beyond: [],
    });
    const unknown = 'inv_0000000000aaaaaaaaaaaaaaaa';
    expect(await finalizeInvoice(ctx, by(unknown))).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_found' },
    });
    expect(await payInvoice(ctx, by(unknown))).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_found' },
    });
  });

  it('records every change in the audit log', async () => {
    const { accountId } = await billedAccount(ctx);
    const draft = await draftFor(ctx, accountId);
    await finalizeInvoice(ctx, by(draft.id));
    await payInvoice(ctx, by(draft.id));
    const trail = await auditTrail(ctx, { entityId: draft.id });
    expect(trail.map((entry) => [entry.entity, entry.action, entry.actor])).toEqual([
      ['invoice', 'drafted', 'usr_staff'],
      ['invoice', 'finalized', 'usr_staff'],
      ['invoice', 'paid', 'usr_staff'],
    ]);
    expect(trail[1]?.after).toMatchObject({ number: 'SK-000001', status: 'open' });
  });

  it('refuses a draft whose amounts do not add up, or of an unknown account', async () => {
    const { accountId } = await billedAccount(ctx);
    const base = {
      accountId,
      currency: 'EUR',
      lines: [{ description: 'Seats', quantity: 2, unitAmount: 500, amount: 1000 }],
      subtotal: 1000,
      tax: 190,
      total: 1190,
      taxRate: 190_000,
      actor: 'usr_staff',
    };
    const refusals: [Partial<DraftInput>, string][] = [
      [{ total: 1191 }, 'total'],
      [{ subtotal: 999, total: 1189 }, 'subtotal'],
      [{ lines: [{ description: 'Seats', quantity: 2, unitAmount: 500, amount: 999 }] }, 'lines'],
      [{ lines: [] }, 'lines'],
      [{ currency: 'eur' }, 'currency'],
      [{ tax: 0.5, total: 1000.5 }, 'lines'],
    ];
    for (const [change, field] of refusals)
      expect(await createDraft(ctx, { ...base, ...change })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', field },
      });
    expect(await createDraft(ctx, { ...base, accountId: 'acc_0000000000aaaaaaaaaaaaaaaa' })).toMatchObject({
      ok: false,
      error: { code: 'account_not_found' },
    });
    expect(await listInvoices(ctx, staff, {})).toEqual({ ok: true, value: { invoices: [], next: null } });
  });

  it('shows "Billed To" as it was at finalization: a later address changes later invoices only', async () => {
    const { accountId, owner } = await billedAccount(ctx, 'Acme GmbH');
    const before = await draftFor(ctx, accountId);
    await finalizeInvoice(ctx, by(before.id));
    expect(await saveBillingAddress(ctx, owner, accountId, ADDRESS)).toMatchObject({ ok: true });
    const issued = await draftFor(ctx, accountId);
    const snapshot = await finalizeInvoice(ctx, by(issued.id));
    expect(snapshot).toMatchObject({
      ok: true,
      value: {
        billedTo: {
          accountName: 'Acme GmbH',
          address: { ...ADDRESS, state: null, phone: null, website: null },
        },
      },
    });
    await saveBillingAddress(ctx, owner, accountId, { ...ADDRESS, city: 'Berlin', phone: '+49 30 123' });
    const later = await draftFor(ctx, accountId);
    await finalizeInvoice(ctx, by(later.id));

    const show = async (id: string) => {
      const shown = await invoiceFor(ctx, owner, id);
      if (!shown.ok) throw new Error(shown.error.detail);
      return shown.value.billedTo;
    };
    expect((await show(before.id))?.address).toBeNull();
    expect((await show(issued.id))?.address).toMatchObject({ city: 'Łódź', phone: null });
    expect((await show(later.id))?.address).toMatchObject({ city: 'Berlin', phone: '+49 30 123' });
    expect(snapshot.ok && (await show(issued.id))).toEqual(snapshot.ok && snapshot.value.billedTo);
  });

  it('lets only the owner and staff see billing and invoices: members are refused, others see none', async () => {
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
    const invoice = await draftFor(ctx, a.accountId);
    expect(await saveBillingAddress(ctx, a.owner, a.accountId, ADDRESS)).toMatchObject({ ok: true });

    expect(await invoiceFor(ctx, member, invoice.id)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await listInvoices(ctx, member, {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await billingAddressFor(ctx, member, a.accountId)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await saveBillingAddress(ctx, member, a.accountId, ADDRESS)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await invoiceFor(ctx, b.owner, invoice.id)).toMatchObject({
      ok: false,
      error: { code: 'invoice_not_found' },
    });
    expect(await billingAddressFor(ctx, b.owner, a.accountId)).toMatchObject({
      ok: false,
      error: { code: 'account_not_found' },
    });
    expect(await listInvoices(ctx, b.owner, {})).toEqual({ ok: true, value: { invoices: [], next: null } });
    expect(await listInvoices(ctx, b.owner, { accountId: a.accountId })).toMatchObject({
      ok: false,
      error: { code: 'account_not_found' },
    });

    expect(await invoiceFor(ctx, a.owner, invoice.id)).toMatchObject({ ok: true, value: { id: invoice.id } });
    expect(await listInvoices(ctx, a.owner, {})).toMatchObject({
      ok: true,
      value: { invoices: [{ id: invoice.id }], next: null },
    });
    expect(await listInvoices(ctx, staff, { accountId: b.accountId })).toEqual({
      ok: true,
      value: { invoices: [], next: null },
    });
    expect(await billingAddressFor(ctx, staff, a.accountId)).toMatchObject({
      ok: true,
      value: { billingAddress: { city: 'Łódź' } },
    });
  });

  it('refuses a billing address with control characters or an empty required field', async () => {
    const { accountId, owner } = await billedAccount(ctx);
    expect(
      await saveBillingAddress(ctx, owner, accountId, { ...ADDRESS, city: 'Berlin\nForged: yes' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'city' },
    });
    expect(await saveBillingAddress(ctx, owner, accountId, { ...ADDRESS, companyName: '   ' })).toMatchObject(
      {
        ok: false,
        error: { code: 'validation_failed', field: 'companyName' },
      },
    );
    expect(await billingAddressFor(ctx, owner, accountId)).toMatchObject({
      ok: true,
      value: { billingAddress: null },
    });
    await saveBillingAddress(ctx, owner, accountId, ADDRESS);
    await saveBillingAddress(ctx, owner, accountId, { ...ADDRESS, city: 'Berlin' });
    const trail = await auditTrail(ctx, { entityId: accountId });
    expect(trail.filter((e) => e.entity === 'billing_address').map((e) => e.action)).toEqual([
      'created',
      'updated',
    ]);
  });

  it('lists a page at a time, oldest first, by status', async () => {
    const { accountId } = await billedAccount(ctx);
    const ids = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await draftFor(ctx, accountId)).id);
      clock.advance(1);
    }
    await finalizeInvoice(ctx, by(ids[1] ?? ''));
    const first = await listInvoices(ctx, staff, { limit: 2 });
    expect(first).toMatchObject({
      ok: true,
      value: { invoices: [{ id: ids[0] }, { id: ids[1] }], next: ids[1] },
    });
    const rest = await listInvoices(ctx, staff, { after: ids[1], limit: 3 });
    expect(rest.ok && rest.value.invoices.map((invoice) => invoice.id)).toEqual(ids.slice(2));
    expect(rest.ok && rest.value.next).toBe(ids[4]);
    const open = await listInvoices(ctx, staff, { accountId, status: 'open' });
    expect(open.ok && open.value.invoices.map((invoice) => invoice.id)).toEqual([ids[1]]);
  });

  it('numbers in the configured series, a new prefix starting at 1', async () => {
    const { accountId } = await billedAccount(ctx);
    const old = await draftFor(ctx, accountId);
    await finalizeInvoice(ctx, by(old.id));
    const renamed = { ...ctx, policy: { ...ctx.policy, invoicePrefix: 'INV2027-' } };
    const next = await draftFor(ctx, accountId);
    expect(await finalizeInvoice(renamed, by(next.id))).toMatchObject({
      ok: true,
      value: { number: 'INV2027-000001' },
    });
  });
});
