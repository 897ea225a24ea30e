import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { accountWithKey } from '../../../test/support/factories.js';
import type { Result } from '../../domain/errors.js';
import type { Principal } from '../auth/principal.js';
import { findLicense } from '../licenses/operations.js';
import { markInvoicePaid, voidInvoiceOrOrder } from './invoice-settlement.js';
import { createOrder, showOrder } from './operations.js';

const value = <T>(result: Result<T>): T => {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.detail}`);
  return result.value;
};

const purchaseOrder = { accountsPayableEmail: 'ap@customer.example', endUserAccount: 'it@customer.example' };

describe.each(ENGINES)('%s: invoices settled by staff', (engine) => {
  let ctx: Awaited<ReturnType<typeof testContext>>;
  let clock: ManualClock;
  let owner: Principal;
  let accountId: string;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-30T10:00:00.000Z');
    ctx = await testContext(engine, clock);
    ({ accountId } = await accountWithKey(ctx));
    owner = { kind: 'account', userId: 'usr_owner', accountId, role: 'owner' };
  });
  afterEach(() => ctx.cleanup());

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
    const keys = await ctx.store.db
      .selectFrom('licenses')
      .select('id')
      .where('order_number', '=', order.number)
      .execute();
    expect(keys).toHaveLength(1);
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
