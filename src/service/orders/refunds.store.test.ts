import { beforeEach, describe, expect, it } from 'vitest';
import { DAY, type ManualClock } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { accountWithKey } from '../../../test/support/factories.js';
import { buyerFixture, type Owner } from '../../../test/support/orders.js';
import { oneProductBook } from '../../../test/support/price-books.js';
import { value } from '../../../test/support/results.js';
import { addPriceBook } from '../catalog/operations.js';
import type { ServiceContext } from '../context.js';
import { saveBillingAddress } from '../invoices/billing-address.js';
import { invoiceFor, listInvoices } from '../invoices/operations.js';
import { payOrder } from './checkout.js';
import { createOrder } from './operations.js';
import { creditNoteOfRefund, refundKey } from './refunds.js';

describe.each(ENGINES)('%s: refunds', (engine) => {
  const buyer = buyerFixture(engine);
  let ctx: ServiceContext;
  let clock: ManualClock;
  let owner: Owner;
  let accountId: string;
  beforeEach(async () => {
    ({ ctx, clock, owner, accountId } = buyer);
    // A German customer: 19% on every invoice, and on the credit note that returns part of one.
    ctx.policy.taxRates = new Map([['DE', 190_000]]);
    value(
      await saveBillingAddress(ctx, owner, accountId, {
        companyName: 'Müller GmbH',
        address: 'Hauptstraße 1',
        city: 'Berlin',
        country: 'DE',
      }),
    );
  });

  async function paidKeys() {
    const order = value(
      await createOrder(
        ctx,
        owner,
        {
          accountId,
          items: [
            { type: 'key', sku: 'key-1y', connections: 10 },
            { type: 'key', sku: 'key-1y', connections: 25 },
          ],
          paymentMethod: 'card',
        },
        `order-${Math.random()}`,
      ),
    );
    const paid = value(await payOrder(ctx, owner, order.id, {}, `pay-${Math.random()}`));
    return { order: paid.order, keys: paid.order.fulfilment?.issuedLicenseIds ?? [] };
  }

  it('revokes a key, credits its line with tax in a credit note and pays it back through the provider', async () => {
    const { order, keys } = await paidKeys();
    // 10 × $18.00 and 25 × $17.00; 19% on $605.00 is $114.95.
    expect(order).toMatchObject({ subtotal: 605_00, tax: 114_95, total: 719_95 });
    clock.advance(10 * DAY);
    const refunded = value(await refundKey(ctx, { licenseId: keys[1] ?? '', actor: 'usr_staff' }));
    expect(refunded).toMatchObject({ status: 'revoked', endedReason: 'refunded' });

    const notes = value(await listInvoices(ctx, owner, { accountId })).invoices.filter(
      (i) => i.kind === 'credit_note',
    );
    expect(notes).toHaveLength(1);
    // The second key's line, 25 × $17.00 = $425.00, and 19% of it: $80.75.
    expect(notes[0]).toMatchObject({
      status: 'paid',
      creditsInvoiceId: order.invoiceId,
      subtotal: -425_00,
      tax: -80_75,
      total: -505_75,
      taxRate: 190_000,
    });
    expect(notes[0]?.lines[0]?.description).toMatch(/^Refund: /);
    const refund = await ctx.store.db.selectFrom('refunds').selectAll().executeTakeFirstOrThrow();
    expect(refund).toMatchObject({ license_id: keys[1], amount: 505_75, credit_note_id: notes[0]?.id });
    expect(refund.provider_ref).toBe(`test_${refund.id}`);
    expect(refund.refunded_at).not.toBeNull();
    expect(value(await invoiceFor(ctx, owner, order.invoiceId ?? '')).status).toBe('paid');
    const staff = { kind: 'staff' as const, userId: 'usr_staff' };
    expect((await creditNoteOfRefund(ctx, staff, keys[1] ?? ''))?.id).toBe(notes[0]?.id);
    expect((await creditNoteOfRefund(ctx, owner, keys[1] ?? ''))?.number).toBe(notes[0]?.number);
    const member = { ...owner, role: 'member' as const };
    expect(await creditNoteOfRefund(ctx, member, keys[1] ?? '')).toBeUndefined();
    expect(await creditNoteOfRefund(ctx, staff, keys[0] ?? '')).toBeUndefined();
  });

  it('refunds a key once, not after 30 days, and returns no money for a key no order sold', async () => {
    const { keys } = await paidKeys();
    value(await refundKey(ctx, { licenseId: keys[0] ?? '', actor: 'usr_staff' }));
    const again = await refundKey(ctx, { licenseId: keys[0] ?? '', actor: 'usr_staff' });
    expect(again.ok || again.error.code).toBe('license_revoked');
    clock.advance(31 * DAY);
    const late = await refundKey(ctx, { licenseId: keys[1] ?? '', actor: 'usr_staff' });
    expect(late.ok || late.error.code).toBe('refund_period_over');

    const { license } = await accountWithKey(ctx);
    value(await refundKey(ctx, { licenseId: license.id, actor: 'usr_staff' }));
    const refunds = await ctx.store.db.selectFrom('refunds').select('license_id').execute();
    expect(refunds.map((row) => row.license_id)).toEqual([keys[0]]);
  });

  it('never refunds more than was paid: each refund takes its line’s share of the tax rounded once', async () => {
    value(
      await addPriceBook(ctx, {
        book: oneProductBook('odd', '2026-12-01T00:00:00.000Z', 10_03),
        actor: 'usr_staff',
      }),
    );
    clock.set('2026-12-01T00:00:00.000Z');
    const item = { type: 'key' as const, sku: 'key-1y', connections: 10 };
    const order = value(
      await createOrder(
        ctx,
        owner,
        { accountId, items: [item, item, item], paymentMethod: 'card' },
        'odd-order',
      ),
    );
    // 3 × $100.30 = $300.90; 19% of it is $57.171, rounded once: $57.17, so $358.07 was paid.
    expect(order).toMatchObject({ subtotal: 300_90, tax: 57_17, total: 358_07 });
    const paid = value(await payOrder(ctx, owner, order.id, {}, 'odd-pay'));
    for (const licenseId of paid.order.fulfilment?.issuedLicenseIds ?? [])
      value(await refundKey(ctx, { licenseId, actor: 'usr_staff' }));
    const refunds = await ctx.store.db.selectFrom('refunds').select('amount').execute();
    // Each line's share is $19.057, $19.06 rounded; the last refund takes what is left: $119.35.
    expect(refunds.map((refund) => refund.amount).sort()).toEqual([119_35, 119_36, 119_36]);
    expect(refunds.reduce((sum, refund) => sum + refund.amount, 0)).toBe(358_07);
  });
});
