import { beforeEach, describe, expect, it } from 'vitest';
import { DAY, type ManualClock } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { accountWithKey } from '../../../test/support/factories.js';
import { buyerFixture, keysOfOrder, newKey, type Owner, ownerOf } from '../../../test/support/orders.js';
import { oneProductBook } from '../../../test/support/price-books.js';
import { value } from '../../../test/support/results.js';
import type { Order } from '../../contract/orders.js';
import { DEFAULT_PRICE_BOOK } from '../../domain/default-price-book.js';
import { newId } from '../../domain/ids.js';
import { OFFLINE_MINIMUM_REASON, ONLINE_MINIMUM_REASON } from '../../domain/purchase-rules.js';
import type { Principal } from '../auth/principal.js';
import { addPriceBook } from '../catalog/operations.js';
import type { ServiceContext } from '../context.js';
import { saveBillingAddress } from '../invoices/billing-address.js';
import { invoiceFor } from '../invoices/operations.js';
import { findLicense, issueLicense } from '../licenses/operations.js';
import { TEST_CARDS } from '../payments/test-provider.js';
import { completeTestPayment, payOrder } from './checkout.js';
import { cancelOrder, createOrder, createQuote } from './operations.js';

const staff: Principal = { kind: 'staff', userId: 'usr_staff' };

describe.each(ENGINES)('%s: orders', (engine) => {
  const buyer = buyerFixture(engine);
  let ctx: ServiceContext;
  let clock: ManualClock;
  let owner: Owner;
  let accountId: string;
  beforeEach(() => {
    ({ ctx, clock, owner, accountId } = buyer);
  });

  const keys = (connections: number) => [{ type: 'key' as const, sku: 'key-1y', connections }];

  it('refuses an online order of 9 connections with the seeds’ reason and accepts 10', async () => {
    const nine = await createOrder(
      ctx,
      owner,
      { accountId, items: keys(9), paymentMethod: 'card' },
      newKey(),
    );
    expect(nine.ok).toBe(false);
    if (!nine.ok) {
      expect(nine.error.code).toBe('order_below_online_minimum');
      expect(nine.error.detail).toBe(ONLINE_MINIMUM_REASON);
    }
    const ten = value(
      await createOrder(ctx, owner, { accountId, items: keys(10), paymentMethod: 'card' }, newKey()),
    );
    expect(ten).toMatchObject({ status: 'open', connections: 10, paymentMethod: 'card' });
    expect(ten.lines[0]).toMatchObject({ quantity: 10, unitAmount: 18_00, amount: 180_00 });
  });

  it('takes a purchase order from 100 connections only, on Net 30, with the accounts payable email', async () => {
    const purchaseOrder = {
      accountsPayableEmail: 'ap@customer.example',
      endUserAccount: 'it@customer.example',
    };
    const fifty = await createOrder(
      ctx,
      owner,
      { accountId, items: keys(50), paymentMethod: 'purchase_order', purchaseOrder },
      newKey(),
    );
    expect(fifty.ok || fifty.error).toMatchObject({
      code: 'wire_below_minimum',
      detail: OFFLINE_MINIMUM_REASON,
    });
    const incomplete = await createOrder(
      ctx,
      owner,
      { accountId, items: keys(100), paymentMethod: 'bank_wire' },
      newKey(),
    );
    expect(incomplete.ok || incomplete.error.code).toBe('purchase_order_incomplete');

    const hundred = value(
      await createOrder(
        ctx,
        owner,
        { accountId, items: keys(100), paymentMethod: 'purchase_order', purchaseOrder },
        newKey(),
      ),
    );
    expect(hundred.purchaseOrder).toMatchObject(purchaseOrder);
    const invoice = value(await invoiceFor(ctx, owner, hundred.invoiceId ?? ''));
    expect(invoice.status).toBe('open');
    expect(new Date(invoice.dueAt ?? '').getTime() - new Date(invoice.finalizedAt ?? '').getTime()).toBe(
      30 * DAY,
    );
  });

  it('prices the whole quantity at its tier: more connections, a lower price per connection', async () => {
    const small = value(await createQuote(ctx, owner, { accountId, items: keys(10) }));
    const large = value(await createQuote(ctx, owner, { accountId, items: keys(500) }));
    expect(small.lines[0]?.unitAmount).toBe(18_00);
    expect(large.lines[0]?.unitAmount).toBe(12_00);
    expect(large.total).toBe(500 * 12_00);
    expect(small.status).toBe('quote');
  });

  it('keeps a quote’s prices when a new price book takes effect', async () => {
    const quote = value(await createQuote(ctx, owner, { accountId, items: keys(10) }));
    value(
      await addPriceBook(ctx, {
        book: oneProductBook('2027', '2026-12-01T00:00:00.000Z', 25_00),
        actor: 'usr_staff',
      }),
    );
    clock.set('2026-12-02T00:00:00.000Z');
    const placed = value(
      await createOrder(ctx, owner, { quoteId: quote.id, paymentMethod: 'card' }, newKey()),
    );
    expect(placed).toMatchObject({
      id: quote.id,
      status: 'open',
      total: 180_00,
      priceBookVersion: DEFAULT_PRICE_BOOK.version,
    });
    const fresh = value(await createQuote(ctx, owner, { accountId, items: keys(10) }));
    expect(fresh.total).toBe(250_00);
  });

  it('prices a renewal at the price current at renewal time × the key’s connections', async () => {
    const { license } = await accountWithKey(ctx, { connections: 40 });
    const own = ownerOf(license.accountId);
    value(
      await addPriceBook(ctx, {
        book: oneProductBook('2027', '2027-01-01T00:00:00.000Z', 30_00),
        actor: 'usr_staff',
      }),
    );
    clock.set('2027-02-01T00:00:00.000Z');
    const quote = value(
      await createQuote(ctx, own, {
        accountId: license.accountId,
        items: [{ type: 'renewal', licenseId: license.id, years: 1 }],
      }),
    );
    expect(quote.lines[0]).toMatchObject({ quantity: 40, unitAmount: 30_00, amount: 1200_00 });
  });

  it('issues a paid order’s key with its term from the day of payment and the order’s number', async () => {
    const order = value(
      await createOrder(ctx, owner, { accountId, items: keys(10), paymentMethod: 'card' }, newKey()),
    );
    clock.advance(2 * DAY);
    const pending = value(
      await payOrder(ctx, owner, order.id, { paymentToken: TEST_CARDS.threeDSecure }, newKey()),
    );
    expect(pending.status).toBe('pending');
    clock.advance(1 * DAY);
    const paid = value(await completeTestPayment(ctx, owner, pending.id, 'succeeded'));
    expect(paid.order.status).toBe('paid');
    const [licenseId] = paid.order.fulfilment?.issuedLicenseIds ?? [];
    const key = await findLicense(ctx, licenseId ?? '');
    expect(key).toMatchObject({
      connections: 10,
      orderNumber: order.number,
      starts: '2026-12-03T10:00:00.000Z',
    });
    expect(key?.ends).toBe('2027-12-03T10:00:00.000Z');
    const invoice = value(await invoiceFor(ctx, owner, order.invoiceId ?? ''));
    expect(invoice.status).toBe('paid');
  });

  it('renews two keys in one order: one ahead of its end, one after it expired', async () => {
    const ahead = (await accountWithKey(ctx, { connections: 10 })).license;
    // The second key, of the same account, bought two years ago: expired a year ago.
    const expired = value(
      await issueLicense(ctx, {
        accountId: ahead.accountId,
        connections: 20,
        purchasedAt: new Date('2024-11-01T00:00:00.000Z'),
      }),
    );
    const own = ownerOf(ahead.accountId);
    const order = value(
      await createOrder(
        ctx,
        own,
        {
          accountId: ahead.accountId,
          items: [
            { type: 'renewal', licenseId: ahead.id, years: 1 },
            { type: 'renewal', licenseId: expired.id, years: 1 },
          ],
          paymentMethod: 'card',
        },
        newKey(),
      ),
    );
    expect(order.connections).toBe(30);
    clock.advance(DAY);
    const paid = value(await payOrder(ctx, own, order.id, {}, newKey()));
    expect(paid.status).toBe('succeeded');
    expect(paid.order.fulfilment?.renewedLicenseIds).toEqual([ahead.id, expired.id]);
    // In advance: the new year starts where the current term ends.
    expect((await findLicense(ctx, ahead.id))?.ends).toBe('2028-11-30T10:00:00.000Z');
    // After expiry: from the day it was paid.
    expect(await findLicense(ctx, expired.id)).toMatchObject({
      starts: '2026-12-01T10:00:00.000Z',
      ends: '2027-12-01T10:00:00.000Z',
    });
  });

  it('answers a retried create-order with the order the key made, and refuses the key for another request', async () => {
    const key = newKey();
    const request = { accountId, items: keys(10), paymentMethod: 'card' as const };
    const answers = await Promise.all(Array.from({ length: 5 }, () => createOrder(ctx, owner, request, key)));
    const ids = new Set(answers.map((answer) => value(answer).id));
    expect(ids.size).toBe(1);
    const rows = await ctx.store.db
      .selectFrom('orders')
      .select('id')
      .where('account_id', '=', accountId)
      .execute();
    expect(rows).toHaveLength(1);
    const other = await createOrder(ctx, owner, { ...request, items: keys(11) }, key);
    expect(other.ok || other.error.code).toBe('idempotency_key_reused');
  });

  it('tells a declined card what to try next, and PayPal then pays', async () => {
    const order = value(
      await createOrder(ctx, owner, { accountId, items: keys(10), paymentMethod: 'card' }, newKey()),
    );
    const declined = value(
      await payOrder(ctx, owner, order.id, { paymentToken: TEST_CARDS.declined }, newKey()),
    );
    expect(declined).toMatchObject({ status: 'declined', declineReason: 'Your card was declined.' });
    expect(declined.nextStep).toContain('try switching to PayPal');
    expect(declined.nextStep).toContain('submit a support ticket');
    expect(declined.order.status).toBe('open');
    const paypal = value(await payOrder(ctx, owner, order.id, { method: 'paypal' }, newKey()));
    expect(paypal).toMatchObject({ status: 'succeeded', method: 'paypal' });
    expect(paypal.order.fulfilment?.issuedLicenseIds).toHaveLength(1);
  });

  it('issues the keys once when a pending payment is confirmed several times at once', async () => {
    const order = value(
      await createOrder(ctx, owner, { accountId, items: keys(10), paymentMethod: 'card' }, newKey()),
    );
    const pending = value(
      await payOrder(ctx, owner, order.id, { paymentToken: TEST_CARDS.threeDSecure }, newKey()),
    );
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => completeTestPayment(ctx, owner, pending.id, 'succeeded')),
    );
    for (const answer of answers) expect(value(answer).order.status).toBe('paid');
    expect(await keysOfOrder(ctx, order.number)).toHaveLength(1);
  });

  it('refuses members billing, and cancels an unpaid order, voiding its invoice', async () => {
    const member: Principal = { kind: 'account', userId: 'usr_member', accountId, role: 'member' };
    const refused = await createOrder(
      ctx,
      member,
      { accountId, items: keys(10), paymentMethod: 'card' },
      newKey(),
    );
    expect(refused.ok || refused.error.code).toBe('forbidden');
    const order: Order = value(
      await createOrder(ctx, staff, { accountId, items: keys(10), paymentMethod: 'card' }, newKey()),
    );
    const canceled = value(await cancelOrder(ctx, owner, order.id));
    expect(canceled.status).toBe('canceled');
    expect(value(await invoiceFor(ctx, owner, order.invoiceId ?? '')).status).toBe('void');
    const late = await payOrder(ctx, owner, order.id, {}, newKey());
    expect(late.ok || late.error.code).toBe('order_not_open');
  });

  it('resumes a checkout left waiting, and refuses another way of paying meanwhile', async () => {
    const order = value(
      await createOrder(ctx, owner, { accountId, items: keys(10), paymentMethod: 'card' }, newKey()),
    );
    const waiting = value(
      await payOrder(ctx, owner, order.id, { paymentToken: TEST_CARDS.threeDSecure }, newKey()),
    );
    expect(waiting).toMatchObject({
      status: 'pending',
      actionUrl: `/v1/payments/${waiting.id}/test-completion`,
    });
    const resumed = value(await payOrder(ctx, owner, order.id, {}, newKey()));
    expect(resumed).toMatchObject({ id: waiting.id, status: 'pending', actionUrl: waiting.actionUrl });
    const paypal = await payOrder(ctx, owner, order.id, { method: 'paypal' }, newKey());
    expect(paypal.ok || paypal.error.code).toBe('payment_pending');
    const failed = value(await completeTestPayment(ctx, owner, waiting.id, 'declined'));
    expect(failed).toMatchObject({ status: 'declined', nextStep: expect.stringContaining('PayPal') });
    expect(value(await payOrder(ctx, owner, order.id, { method: 'paypal' }, newKey())).status).toBe(
      'succeeded',
    );
  });

  it('places a quote for 30 days only', async () => {
    const quote = value(await createQuote(ctx, owner, { accountId, items: keys(10) }));
    clock.advance(30 * DAY);
    const late = await createOrder(ctx, owner, { quoteId: quote.id, paymentMethod: 'card' }, newKey());
    expect(late.ok || late.error.code).toBe('quote_expired');
    const unknown = await createOrder(
      ctx,
      owner,
      { quoteId: newId('ord', 1), paymentMethod: 'card' },
      newKey(),
    );
    expect(unknown.ok || unknown.error.code).toBe('order_not_found');
  });

  it('keeps a quote’s prices but taxes the order at the billing country’s rate when it is placed', async () => {
    ctx.policy.taxRates = new Map([['DE', 190_000]]);
    const quote = value(await createQuote(ctx, owner, { accountId, items: keys(10) }));
    expect(quote).toMatchObject({ subtotal: 180_00, taxRate: 0, tax: 0 });
    value(
      await saveBillingAddress(ctx, owner, accountId, {
        companyName: 'Müller GmbH',
        address: 'Hauptstraße 1',
        city: 'Berlin',
        country: 'DE',
      }),
    );
    const placed = value(
      await createOrder(ctx, owner, { quoteId: quote.id, paymentMethod: 'card' }, newKey()),
    );
    expect(placed).toMatchObject({ subtotal: 180_00, taxRate: 190_000, tax: 34_20, total: 214_20 });
    const invoice = value(await invoiceFor(ctx, owner, placed.invoiceId ?? ''));
    expect(invoice).toMatchObject({ taxRate: 190_000, tax: 34_20, total: 214_20 });
  });

  it('answers calls with one Idempotency-Key at the same moment alike: one placement, one payment', async () => {
    const quote = value(await createQuote(ctx, owner, { accountId, items: keys(10) }));
    const placing = await Promise.all(
      Array.from({ length: 4 }, () =>
        createOrder(ctx, owner, { quoteId: quote.id, paymentMethod: 'card' }, 'place-once'),
      ),
    );
    expect(new Set(placing.map((answer) => value(answer).invoiceId)).size).toBe(1);
    const paying = await Promise.all(
      Array.from({ length: 4 }, () =>
        payOrder(ctx, owner, quote.id, { paymentToken: TEST_CARDS.threeDSecure }, 'pay-once'),
      ),
    );
    expect(new Set(paying.map((answer) => value(answer).id)).size).toBe(1);
  });
});
