import { beforeEach, describe, expect, it } from 'vitest';
import { DAY, type ManualClock } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { buyerFixture, keysOfOrder, type Owner } from '../../../test/support/orders.js';
import { value } from '../../../test/support/results.js';
import type { ServiceContext } from '../context.js';
import { documentFor } from '../invoices/document.js';
import { findLicense } from '../licenses/operations.js';
import { markInvoicePaid, voidInvoiceOrOrder } from './invoice-settlement.js';
import { createOrder } from './operations.js';
import { showOrder } from './order-reads.js';

const purchaseOrder = {
  accountsPayableEmail: 'ap@customer.example',
  endUserAccount: 'it@customer.example',
  reference: 'PO-1234',
};

describe.each(ENGINES)('%s: invoices settled by staff', (engine) => {
  const buyer = buyerFixture(engine);
  let ctx: ServiceContext;
  let clock: ManualClock;
  let owner: Owner;
  let accountId: string;
  beforeEach(() => {
    ({ ctx, clock, owner, accountId } = buyer);
  });

  const wireOrder = async (key: string) =>
    value(
      await createOrder(
        ctx,
        owner,
        {
          accountId,
          items: [{ type: 'key', sku: 'key-1y', connections: 100 }],
          paymentMethod: 'bank_wire',
          purchaseOrder,
        },
        key,
      ),
    );

  it('prints the order and the purchase order on the invoice for accounts payable', async () => {
    const order = await wireOrder('wire-0');
    const doc = value(await documentFor(ctx, owner, order.invoiceId ?? ''));
    expect(doc.facts).toEqual(
      expect.arrayContaining([
        { label: 'Order', value: order.number },
        { label: 'Purchase order', value: 'PO-1234' },
        { label: 'Accounts payable', value: 'ap@customer.example' },
        { label: 'Licenses for', value: 'it@customer.example' },
      ]),
    );
    expect(doc.facts).toContainEqual({ label: 'Due date', value: '30 December 2026' });
  });

  it('fulfils a purchase order once when staff mark its invoice paid, with the term from that day', async () => {
    const order = await wireOrder('wire-1');
    clock.advance(12 * DAY);
    const paid = value(await markInvoicePaid(ctx, { id: order.invoiceId ?? '', actor: 'usr_staff' }));
    expect(paid.status).toBe('paid');
    const after = value(await showOrder(ctx, owner, order.id));
    expect(after.status).toBe('paid');
    const [licenseId] = after.fulfilment?.issuedLicenseIds ?? [];
    expect(await findLicense(ctx, licenseId ?? '')).toMatchObject({
      connections: 100,
      orderNumber: order.number,
      starts: '2026-12-12T10:00:00.000Z',
    });
    const again = await markInvoicePaid(ctx, { id: order.invoiceId ?? '', actor: 'usr_staff' });
    expect(again.ok || again.error.code).toBe('invoice_not_open');
    expect(await keysOfOrder(ctx, order.number)).toHaveLength(1);
  });

  it('cancels the order when staff void its invoice, and it can no longer be paid', async () => {
    const order = await wireOrder('wire-2');
    const voided = value(await voidInvoiceOrOrder(ctx, { id: order.invoiceId ?? '', actor: 'usr_staff' }));
    expect(voided).toMatchObject({ status: 'void', number: expect.stringMatching(/^SK-/) });
    expect(value(await showOrder(ctx, owner, order.id)).status).toBe('canceled');
    const late = await markInvoicePaid(ctx, { id: order.invoiceId ?? '', actor: 'usr_staff' });
    expect(late.ok || late.error.code).toBe('invoice_not_open');
  });
});
