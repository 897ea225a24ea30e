import { describe, expect, it } from 'vitest';
import type { Order, Payment } from '../../src/contract/orders.js';
import { DECLINED_NEXT_STEP } from '../../src/service/orders/views.js';
import { TEST_CARDS } from '../../src/service/payments/test-provider.js';
import { customerWithKey } from '../support/service-process.js';
import { KEY_LINE, serviceForOrders } from './cli-fixture.js';

/**
 * Buying at the command line, paying and keeping orders: a purchase order on Net 30 terms, cards
 * declined and 3-D Secure, orders listed, shown and cancelled, and a retried create answered once.
 */
// A dozen starts of the command per test: without a current bundle, each compiles the sources.
describe('seatkeeper quote, order and invoice pay|void', { timeout: 180_000 }, () => {
  const { data, service, cli, json } = serviceForOrders();
  /** An open order of `connections` 1-year keys for a fresh account, paid by card by default. */
  const openOrder = async (connections = 10, method = 'card') => {
    const customer = await customerWithKey(data);
    const order = await json<Order>([
      ...['order', 'create', '--account', customer.email, '--key', `key-1y:${connections}`],
      ...['--method', method],
    ]);
    return { customer, order };
  };

  it('places a purchase order on Net 30 terms, refuses one without its details, and staff mark its invoice paid', async () => {
    const { email } = await customerWithKey(data);
    const po = ['--method', 'purchase_order', '--end-user', email];
    const noEmail = await cli(['order', 'create', '--account', email, '--key', 'key-1y:100', ...po]);
    expect([noEmail.code, noEmail.stderr]).toEqual([
      1,
      'seatkeeper: Include the accounts payable email. (purchase_order_incomplete)\n',
    ]);
    const small = await cli([
      ...['order', 'create', '--account', email, '--key', 'key-1y:50', ...po],
      ...['--ap-email', 'ap@example.com'],
    ]);
    expect([small.code, small.stderr]).toEqual([1, expect.stringContaining('(wire_below_minimum)')]);
    const onCard = await cli([
      ...['order', 'create', '--account', email, '--key', 'key-1y:100', '--method', 'card'],
      ...['--ap-email', 'ap@example.com'],
    ]);
    expect([onCard.code, onCard.stderr]).toEqual([2, expect.stringContaining('--ap-email, --end-user')]);

    const placed = await cli([
      ...['order', 'create', '--account', email, '--key', 'key-1y:100', ...po],
      ...['--ap-email', 'AP@example.com', '--po-reference', 'PO-1234'],
    ]);
    expect(placed.code, placed.stderr).toBe(0);
    const [first = '', next = ''] = placed.stdout.split('\n');
    expect(first).toMatch(/^Order SO-\w+ \(ord_\w+\) is open: \$1,500\.00, invoice SK-\d{6}\.$/);
    const invoiceId = /`seatkeeper invoice pay (inv_\w+)`/.exec(next)?.[1] ?? '';
    expect(next).toMatch(
      /^Net 30: the invoice SK-\d{6} is due on \d{4}-\d{2}-\d{2}; once the payment arrives, staff mark it paid with `seatkeeper invoice pay inv_\w+`\.$/,
    );
    const orderId = /\((ord_\w+)\)/.exec(first)?.[1] ?? '';
    const shown = await json<Order>(['order', 'show', orderId]);
    expect(shown).toMatchObject({
      paymentMethod: 'purchase_order',
      purchaseOrder: { accountsPayableEmail: 'ap@example.com', endUserAccount: email, reference: 'PO-1234' },
    });
    const paid = await cli(['invoice', 'pay', invoiceId]);
    expect([paid.code, paid.stdout]).toEqual([
      0,
      expect.stringMatching(
        /^Invoice SK-\d{6} \(inv_\w+\) is paid\.\nIts order SO-\w+ \(ord_\w+\) is paid\.\n$/,
      ),
    ]);
    // Marking the invoice paid issued what the order bought: one key of 100 connections.
    const fulfilled = await json<Order>(['order', 'show', orderId]);
    expect(fulfilled.status).toBe('paid');
    expect(fulfilled.fulfilment?.issuedLicenseIds).toHaveLength(1);
    const twice = await cli(['invoice', 'pay', invoiceId]);
    expect([twice.code, twice.stderr]).toEqual([1, expect.stringContaining('(invoice_not_open)')]);
    const malformed = await cli(['invoice', 'void', 'SK-000001']);
    expect([malformed.code, malformed.stderr]).toEqual([
      2,
      expect.stringContaining('an invoice id looks like inv_'),
    ]);
  });

  it('pays by card: a declined card exits 1 with the reason and the seeds’ advice, then PayPal issues the key first', async () => {
    const { order } = await openOrder();
    const declined = await cli(['order', 'pay', order.id, '--card', '4000 0000 0000 0002']);
    expect([declined.code, declined.stdout, declined.stderr]).toEqual([
      1,
      '',
      `seatkeeper: Your card was declined. ${DECLINED_NEXT_STEP} (payment_declined)\n`,
    ]);
    const poor = await cli(['order', 'pay', order.id, '--card', TEST_CARDS.insufficientFunds, '--json']);
    expect(poor.code).toBe(1);
    expect(JSON.parse(poor.stdout) as Payment).toMatchObject({
      status: 'declined',
      nextStep: DECLINED_NEXT_STEP,
    });
    const paid = await cli(['order', 'pay', order.id, '--method', 'paypal']);
    expect(paid.code, paid.stderr).toBe(0);
    const [key = '', terms = ''] = paid.stdout.split('\n');
    expect(key).toMatch(KEY_LINE);
    expect(terms).toMatch(/^10 connections, 1 year, support term until \d{4}-\d{2}-\d{2} \(lic_\w+\)\.$/);
    expect(paid.stdout).toMatch(/^Order SO-\w+ is paid: \$180\.00\.$/m);
    const again = await cli(['order', 'pay', order.id]);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('(order_not_open)')]);
    const shown = await cli(['order', 'show', order.id]);
    expect(shown.stdout).toContain(`\n${key}\n`);
  });

  it('leaves a 3-D Secure payment pending with where to complete it; completing it pays the order', async () => {
    const { customer, order } = await openOrder(20);
    const pending = await cli(['order', 'pay', order.id, '--card', TEST_CARDS.threeDSecure]);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toMatch(
      /^Payment pay_\w+ is pending: the customer completes it at \S+\/test-completion\n/,
    );
    const path = /POST (\/v1\/payments\/pay_\w+\/test-completion)/.exec(pending.stdout)?.[1] ?? '';
    const completed = await fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'succeeded' }),
    });
    expect(completed.status).toBe(200);
    expect(await json<Order>(['order', 'show', order.id])).toMatchObject({ status: 'paid', connections: 20 });
  });

  it('lists, shows and cancels orders; an unknown or malformed id is refused', async () => {
    const { customer, order } = await openOrder();
    const listed = await cli(['order', 'list', '--account', customer.email]);
    expect(listed.stdout).toMatch(/^ID\s+NUMBER\s+STATUS\s+METHOD\s+CONNECTIONS\s+TOTAL\s+CREATED\n/);
    expect(listed.stdout).toMatch(
      new RegExp(`${order.id}\\s+${order.number}\\s+open\\s+card\\s+10\\s+\\$180\\.00\\s+\\d{4}-`),
    );
    const page = await json<{ orders: Order[] }>(['order', 'list', '--account', customer.email]);
    expect(page.orders.map((o) => o.id)).toEqual([order.id]);
    const shown = await cli(['order', 'show', order.id]);
    expect(shown.stdout).toMatch(new RegExp(`^Order ${order.number} \\(${order.id}\\): open, card\n`));
    expect(shown.stdout).toContain(`Next: pay it with \`seatkeeper order pay ${order.id}\`.`);
    const canceled = await cli(['order', 'cancel', order.id]);
    expect([canceled.code, canceled.stdout]).toEqual([
      0,
      expect.stringMatching(
        new RegExp(
          `^Order ${order.number} \\(${order.id}\\) is canceled; its invoice SK-\\d{6} is void\\.\n$`,
        ),
      ),
    ]);
    const twice = await cli(['order', 'cancel', order.id]);
    expect([twice.code, twice.stderr]).toEqual([1, expect.stringContaining('(order_not_open)')]);
    const unknown = await cli(['order', 'show', 'ord_0000000000aaaaaaaaaaaaaaaa']);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      'seatkeeper: There is no order ord_0000000000aaaaaaaaaaaaaaaa. (order_not_found)\n',
    ]);
    const unknownPay = await cli(['order', 'pay', 'ord_0000000000aaaaaaaaaaaaaaaa']);
    expect([unknownPay.code, unknownPay.stderr]).toEqual([1, expect.stringContaining('(order_not_found)')]);
    const malformed = await cli(['order', 'show', 'SO-1234']);
    expect([malformed.code, malformed.stderr]).toEqual([
      2,
      expect.stringContaining('an order id looks like ord_'),
    ]);
  });

  it('answers a retried order create with the same order when the idempotency key is the same', async () => {
    const { email } = await customerWithKey(data);
    const args = ['order', 'create', '--account', email, '--key', 'key-1y:10', '--method', 'card'];
    const first = await json<Order>([...args, '--idempotency-key', 'retry-key-0001']);
    const retried = await json<Order>([...args, '--idempotency-key', 'retry-key-0001']);
    expect(retried.id).toBe(first.id);
    const fresh = await json<Order>(args);
    expect(fresh.id).not.toBe(first.id);
    const reused = await cli([...args.slice(0, -1), 'paypal', '--idempotency-key', 'retry-key-0001']);
    expect([reused.code, reused.stderr]).toEqual([1, expect.stringContaining('(idempotency_key_reused)')]);
    const bad = await cli([...args, '--idempotency-key', 'short']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--idempotency-key must be')]);
    const both = await cli(['order', 'create', '--quote', first.id, ...args.slice(2)]);
    expect([both.code, both.stderr]).toEqual([
      2,
      expect.stringContaining('give either --quote or --account'),
    ]);
    const method = await cli([...args.slice(0, -1), 'cash']);
    expect([method.code, method.stderr]).toEqual([
      2,
      expect.stringContaining('--method must be one of card, paypal'),
    ]);
  });
});
