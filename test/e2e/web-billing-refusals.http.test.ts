import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/domain/errors.js';
import { createQuote } from '../../src/service/orders/operations.js';
import { ENGINES } from '../support/engines.js';
import { order, ownerOf, pay } from '../support/orders.js';
import { htmlText } from '../support/pdf-text.js';
import { value } from '../support/results.js';
import {
  type BillingWorld,
  billingWorld,
  hiddenField,
  MEMBER,
  orderCount,
  orderIdOf,
  STRANGER,
  signedIn,
} from './web-billing-fixture.js';

describe.each(ENGINES)('the billing pages refuse (%s)', (engine) => {
  let world: BillingWorld;
  /** A paid order of the other account, and its invoice. */
  let foreign: { orderId: string; invoiceId: string };

  beforeAll(async () => {
    world = await billingWorld(engine);
    const stranger = ownerOf(world.strangerAccountId);
    const placed = value(
      await order(world.service.ctx, stranger, [
        { type: 'renewal', licenseId: world.strangerKey.id, years: 1 },
      ]),
    );
    const paid = await pay(world.service.ctx, stranger, placed);
    foreign = { orderId: paid.id, invoiceId: paid.invoiceId ?? '' };
  });
  afterAll(() => world.service.close());

  it('a renewal with nothing ticked: Manage License Keys again, saying so, and no quote', async () => {
    const browser = await signedIn(world);
    await browser.get('/keys');
    const before = await orderCount(world);
    const none = await browser.post('/keys/renew', {});
    expect(none.status).toBe(400);
    expect(none.html).toContain('<h1>Manage License Keys</h1>');
    expect(none.html).toContain('no key was ticked');
    expect(none.html).toContain('role="alert"');
    expect(await orderCount(world)).toBe(before);
  });

  it('another account’s key, or an unknown one, as not found: 404 and no quote', async () => {
    const browser = await signedIn(world);
    await browser.get('/keys');
    const before = await orderCount(world);
    for (const key of [world.strangerKey.id, 'lic_00000000000000000000000000']) {
      const refused = await browser.post('/keys/renew', { key: [world.keys[0]?.id ?? '', key] });
      expect(refused.status).toBe(404);
      expect(refused.html).toContain('There is no license');
    }
    expect(await orderCount(world)).toBe(before);
    expect(await orderCount(world, world.strangerAccountId)).toBe(1);
  });

  it('another account’s order and invoice, like unknown ones: 404, and paying changes nothing', async () => {
    const browser = await signedIn(world);
    for (const path of [
      `/orders/${foreign.orderId}`,
      '/orders/ord_00000000000000000000000000',
      `/invoices/${foreign.invoiceId}`,
      `/invoices/${foreign.invoiceId}/pdf`,
      '/invoices/inv_00000000000000000000000000',
    ]) {
      const page = await browser.get(path);
      expect(page.status, path).toBe(404);
      expect(page.headers.get('content-type')).toContain('text/html');
    }
    // A quote of its own (open to pay) shows the form this browser may post elsewhere.
    const quote = value(
      await createQuote(world.service.ctx, ownerOf(world.strangerAccountId), {
        accountId: world.strangerAccountId,
        items: [{ type: 'renewal', licenseId: world.strangerKey.id, years: 1 }],
      }),
    );
    await browser.get('/keys');
    const paid = await browser.post(`/orders/${quote.id}/pay`, {
      attempt: 'abcdefghijklmnopqrstuv',
      method: 'card',
      card: '4242424242424242',
    });
    expect(paid.status).toBe(404);
    expect(await orderCount(world, world.strangerAccountId)).toBe(2);
    const stranger = await signedIn(world, STRANGER);
    expect(htmlText((await stranger.get(`/orders/${quote.id}`)).html)).toContain('Valid until');
  });

  it('a member: 403 on every billing page and form, and nothing made', async () => {
    const member = await signedIn(world, MEMBER);
    const keys = await member.get('/keys');
    expect(keys.status).toBe(200);
    expect(keys.html).not.toContain('href="/invoices"');
    expect(keys.html).not.toContain('Renew a License Key');
    const owner = await signedIn(world);
    await owner.get('/keys');
    const quote = orderIdOf((await owner.post('/keys/renew', { key: [world.keys[1]?.id ?? ''] })).location);
    await owner.get(`/orders/${quote}`);
    const invoiceId = /href="\/invoices\/(inv_[A-Za-z0-9]+)"/.exec((await owner.get('/invoices')).html)?.[1];
    const before = await orderCount(world);
    for (const path of [
      '/invoices',
      `/invoices/${invoiceId}`,
      `/invoices/${invoiceId}/pdf`,
      '/orders',
      `/orders/${quote}`,
      '/buy',
      '/billing-address',
    ]) {
      const page = await member.get(path);
      expect(page.status, path).toBe(403);
      expect(page.html).toContain('Only the account’s owner');
    }
    await member.get('/keys');
    const token = member.csrf;
    const forms: [string, Record<string, string | string[]>][] = [
      ['/keys/renew', { key: world.keys.map((key) => key.id) }],
      [`/orders/${quote}/pay`, { attempt: 'abcdefghijklmnopqrstuv', method: 'paypal' }],
      ['/buy', { sku: 'key-1y', connections: '20' }],
      ['/billing-address', { companyName: 'Member Co', address: 'x', city: 'y' }],
    ];
    for (const [path, fields] of forms) {
      const refused = await member.post(path, { _csrf: token, ...fields });
      expect(refused.status, path).toBe(403);
    }
    expect(await orderCount(world)).toBe(before);
    const address = await owner.get('/billing-address');
    expect(address.html).not.toContain('Member Co');
  });

  it('a form with another browser’s CSRF token, or from another site: 403, and nothing made', async () => {
    const owner = await signedIn(world);
    const other = await signedIn(world);
    await other.get('/keys');
    const foreignToken = other.csrf;
    await owner.get('/keys');
    const before = await orderCount(world);
    const forged = await owner.post('/keys/renew', {
      _csrf: foreignToken,
      key: world.keys.map((key) => key.id),
    });
    expect(forged.status).toBe(403);
    expect(forged.html).toContain('form_expired');
    await owner.get('/buy');
    const attempt = hiddenField(owner, 'attempt');
    const crossSite = await owner.post(
      '/buy/purchase-order',
      {
        attempt,
        sku: 'key-1y',
        connections: '150',
        paymentMethod: 'purchase_order',
        accountsPayableEmail: 'ap@evil.example',
        endUserAccount: 'x',
      },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    await owner.get('/billing-address');
    const address = await owner.post('/billing-address', {
      _csrf: foreignToken,
      companyName: 'Forged Ltd',
      address: 'x',
      city: 'y',
    });
    expect(address.status).toBe(403);
    expect(await orderCount(world)).toBe(before);
    expect((await owner.get('/billing-address')).html).not.toContain('Forged Ltd');
  });

  it('bad input: an unknown product, no connections, an empty card number, a made-up attempt', async () => {
    const browser = await signedIn(world);
    await browser.get('/buy');
    const before = await orderCount(world);
    const product = await browser.post('/buy', { sku: 'no-such-thing', connections: '20' });
    expect(product.status).toBe(404);
    expect(product.html).toContain('Choose one of the products listed.');
    const connections = await browser.post('/buy', { sku: 'key-1y', connections: 'many' });
    expect(connections.status).toBe(400);
    expect(connections.html).toContain('value="many"');
    const incomplete = await browser.post('/buy/purchase-order', {
      attempt: hiddenField(browser, 'attempt'),
      sku: 'key-1y',
      connections: '150',
      paymentMethod: 'purchase_order',
      accountsPayableEmail: '',
      endUserAccount: 'owner@example.com',
    });
    expect(incomplete.status).toBe(ERRORS.purchase_order_incomplete.status);
    expect(incomplete.html).toContain('Include the accounts payable email.');
    expect(await orderCount(world)).toBe(before);
    await browser.get('/keys');
    const quote = orderIdOf((await browser.post('/keys/renew', { key: [world.keys[0]?.id ?? ''] })).location);
    await browser.get(`/orders/${quote}`);
    const noCard = await browser.post(`/orders/${quote}/pay`, {
      attempt: hiddenField(browser, 'attempt'),
      method: 'card',
      card: '',
    });
    expect(noCard.status).toBe(400);
    expect(noCard.html).toContain('Type the card number.');
    const madeUp = await browser.post(`/orders/${quote}/pay`, {
      attempt: 'x',
      method: 'card',
      card: '4242424242424242',
    });
    expect(madeUp.status).toBe(400);
    // A renewal of one 10-connection key alone is enough for the online minimum; nothing was paid.
    expect(madeUp.html).not.toContain('Paid');
  });

  // Last: it moves the clock on.
  it('an expired quote: no way to pay it on its page, and paying it anyway is refused', async () => {
    const browser = await signedIn(world);
    await browser.get('/keys');
    const quote = orderIdOf((await browser.post('/keys/renew', { key: [world.keys[1]?.id ?? ''] })).location);
    world.clock.advance(31 * 86_400_000);
    // A month on, the session has ended too: signed in again.
    const later = await signedIn(world);
    const page = await later.get(`/orders/${quote}`);
    expect(htmlText(page.html)).toContain('This quote expired on');
    expect(page.html).not.toContain('Checkout with credit card');
    const paid = await later.post(`/orders/${quote}/pay`, {
      attempt: 'abcdefghijklmnopqrstuv',
      method: 'paypal',
    });
    expect(paid.status).toBe(ERRORS.quote_expired.status);
    expect(htmlText(paid.html)).toContain('expired');
  });
});
