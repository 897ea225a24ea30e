import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/domain/errors.js';
import { ONLINE_MINIMUM_REASON } from '../../src/domain/purchase-rules.js';
import { escapeHtml } from '../../src/html/html.js';
import { TEST_CARDS } from '../../src/service/payments/test-provider.js';
import { ENGINES } from '../support/engines.js';
import { htmlText as markupText, pdfText, pdftotextAvailable } from '../support/pdf-text.js';
import {
  type BillingWorld,
  billingWorld,
  hiddenField,
  orderCount,
  orderIdOf,
  signedIn,
} from './web-billing-fixture.js';

const pdftotext = pdftotextAvailable();

/** A page's text as read: one space between words. */
const htmlText = (html: string): string => markupText(html).replace(/\s+/g, ' ');

describe.each(ENGINES)('the billing pages, paid through (%s)', (engine) => {
  let world: BillingWorld;

  beforeAll(async () => {
    world = await billingWorld(engine);
  });
  afterAll(() => world.service.close());

  /** Renews both keys: the quote's page, after the redirect. */
  async function renewBoth(browser: Awaited<ReturnType<typeof signedIn>>) {
    await browser.get('/keys');
    const renewed = await browser.post('/keys/renew', { key: world.keys.map((key) => key.id) });
    expect(renewed.status).toBe(303);
    const id = orderIdOf(renewed.location);
    const quote = await browser.get(`/orders/${id}`);
    expect(quote.status).toBe(200);
    return { id, quote };
  }

  it('renews two ticked keys as a quote, pays it by card and shows their new terms', async () => {
    const browser = await signedIn(world);
    const { id, quote } = await renewBoth(browser);
    const text = htmlText(quote.html);
    // 35 connections at $20.00: the lines, their total, the quote's validity and both ways to pay.
    expect(text).toContain('Renewal: Fixed license key, 1 year: 10 connections');
    expect(text).toContain('Renewal: Fixed license key, 1 year: 25 connections');
    expect(text).toContain('$700.00');
    expect(text).toContain('Valid until');
    expect(text).toContain('2027-03-31');
    expect(text).toContain('Checkout with credit card');
    expect(text).toContain('Pay with PayPal');
    expect(text).toContain(TEST_CARDS.approved);
    expect(text).toContain('test');
    const paid = await browser.post(`/orders/${id}/pay`, {
      attempt: hiddenField(browser, 'attempt'),
      method: 'card',
      card: TEST_CARDS.approved,
    });
    expect(paid.status).toBe(303);
    expect(paid.location).toBe('/keys?done=renewed');
    const keys = htmlText((await browser.get(paid.location ?? '')).html);
    expect(keys).toContain('the keys are renewed');
    expect(keys.match(/2027-03-01 → 2029-03-01/g)).toHaveLength(2);
    const order = htmlText((await browser.get(`/orders/${id}`)).html);
    expect(order).toContain('paid');
    expect(order).toContain('Print Invoice');
    expect(order).not.toContain('Checkout with credit card');
  });

  it('says a declined card’s reason and to try PayPal, and PayPal then pays', async () => {
    const browser = await signedIn(world);
    const { id } = await renewBoth(browser);
    const declined = await browser.post(`/orders/${id}/pay`, {
      attempt: hiddenField(browser, 'attempt'),
      method: 'card',
      card: TEST_CARDS.declined,
    });
    expect(declined.status).toBe(402);
    const text = htmlText(declined.html);
    expect(text).toContain('Your card was declined.');
    expect(text).toContain('Try PayPal, or open a support request');
    expect(declined.html).toContain('href="/support/new"');
    // The order page again, with a new attempt: PayPal pays the same order.
    const paypal = await browser.post(`/orders/${id}/pay`, {
      attempt: hiddenField(browser, 'attempt'),
      method: 'paypal',
    });
    expect(paypal.status).toBe(303);
    expect(paypal.location).toBe('/keys?done=renewed');
  });

  it('sends the same form twice and pays once', async () => {
    const browser = await signedIn(world);
    const { id } = await renewBoth(browser);
    const form = { attempt: hiddenField(browser, 'attempt'), method: 'card', card: TEST_CARDS.approved };
    const first = await browser.post(`/orders/${id}/pay`, form);
    await browser.get(`/orders/${id}`);
    const again = await browser.post(`/orders/${id}/pay`, form);
    expect([first.status, again.status]).toEqual([303, 303]);
    expect(again.location).toBe('/keys?done=renewed');
  });

  it('asks for 3-D Secure and completes it through the test provider’s page', async () => {
    const browser = await signedIn(world);
    const { id } = await renewBoth(browser);
    const pending = await browser.post(`/orders/${id}/pay`, {
      attempt: hiddenField(browser, 'attempt'),
      method: 'card',
      card: TEST_CARDS.threeDSecure,
    });
    expect(pending.status).toBe(200);
    expect(htmlText(pending.html)).toContain('Complete 3-D Secure');
    const action = /action="(\/payments\/pay_[A-Za-z0-9]+\/complete)"/.exec(pending.html)?.[1];
    expect(action).toBeDefined();
    const done = await browser.post(action ?? '', { outcome: 'succeeded' });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/keys?done=renewed');
  });

  it('buys new keys online from 10 connections, refusing fewer in the purchase rules’ words', async () => {
    const browser = await signedIn(world);
    const form = await browser.get('/buy');
    expect(form.status).toBe(200);
    expect(htmlText(form.html)).toContain('purchase order');
    const before = await orderCount(world);
    const few = await browser.post('/buy', { sku: 'key-1y', connections: '5' });
    expect(few.status).toBe(ERRORS.order_below_online_minimum.status);
    expect(few.html).toContain(escapeHtml(ONLINE_MINIMUM_REASON));
    expect(await orderCount(world)).toBe(before);
    const bought = await browser.post('/buy', { sku: 'key-1y', connections: '12' });
    expect(bought.status).toBe(303);
    const id = orderIdOf(bought.location);
    await browser.get(`/orders/${id}`);
    expect(htmlText(browser.last?.html ?? '')).toContain('1 year from payment');
    const paid = await browser.post(`/orders/${id}/pay`, {
      attempt: hiddenField(browser, 'attempt'),
      method: 'card',
      card: TEST_CARDS.approved,
    });
    expect(paid.location).toBe(`/orders/${id}?done=paid`);
    const order = htmlText((await browser.get(paid.location ?? '')).html);
    expect(order).toContain('Paid: thank you');
    expect(order).toContain('Print Invoice');
    const monthly = await browser.post('/buy', { sku: 'subscription-monthly', connections: '10' });
    expect(monthly.status).toBe(303);
    expect(htmlText((await browser.get(monthly.location ?? '')).html)).toContain('monthly');
  });

  it('places a 100+ connection order on a purchase order, Net 30, with its invoice', async () => {
    const browser = await signedIn(world);
    await browser.get('/buy');
    const attempt = hiddenField(browser, 'attempt');
    const small = await browser.post('/buy/purchase-order', {
      attempt,
      sku: 'key-1y',
      connections: '50',
      paymentMethod: 'purchase_order',
      accountsPayableEmail: 'ap@example.com',
      endUserAccount: 'owner@example.com',
    });
    expect(small.status).toBe(ERRORS.wire_below_minimum.status);
    expect(htmlText(small.html)).toContain('for 100+ concurrent license orders');
    const placed = await browser.post('/buy/purchase-order', {
      attempt: hiddenField(browser, 'attempt'),
      sku: 'key-1y',
      connections: '150',
      paymentMethod: 'purchase_order',
      reference: 'PO-4711',
      accountsPayableEmail: 'ap@example.com',
      endUserAccount: 'owner@example.com',
    });
    expect(placed.status).toBe(303);
    expect(placed.location).toMatch(/\?done=placed$/);
    const order = htmlText((await browser.get(placed.location ?? '')).html);
    expect(order).toContain('Net 30');
    expect(order).toContain('PO-4711');
    expect(order).toContain('2027-03-31');
    expect(order).not.toContain('Checkout with credit card');
    expect(order).toMatch(/Invoice\s+SK-\d{6}/);
  });

  it('lists the invoices, prints one and downloads its PDF', async () => {
    const browser = await signedIn(world);
    const list = await browser.get('/invoices');
    expect(list.status).toBe(200);
    const href = /href="(\/invoices\/inv_[A-Za-z0-9]+)"/.exec(list.html)?.[1] ?? '';
    const number = /SK-\d{6}/.exec(htmlText(list.html))?.[0] ?? '';
    expect(number).not.toBe('');
    const printed = await browser.get(href);
    expect(printed.status).toBe(200);
    const text = htmlText(printed.html);
    expect(text).toContain('Billed To');
    expect(text).toContain('Pay by bank wire or ACH');
    expect(printed.html).toContain(`${href}/pdf`);
    const pdf = await fetch(`${world.service.url}${href}/pdf`, { headers: { cookie: browser.cookieHeader } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toMatch(/^attachment; filename="SK-\d{6}\.pdf"$/);
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    if (pdftotext.available || pdftotext.required) expect(pdfText(bytes)).toContain('Billed To');
  });

  it('saves the billing address with its country, and refuses one without a company', async () => {
    const browser = await signedIn(world);
    const empty = await browser.get('/billing-address');
    expect(empty.status).toBe(200);
    const refused = await browser.post('/billing-address', {
      companyName: '',
      address: 'Main St 1',
      city: 'Berlin',
    });
    expect(refused.status).toBe(400);
    expect(htmlText(refused.html)).toContain('Company name must not be empty.');
    expect(refused.html).toContain('value="Main St 1"');
    const badCountry = await browser.post('/billing-address', {
      companyName: 'Example Corp',
      address: 'Main St 1',
      city: 'Berlin',
      country: 'Germany',
    });
    expect(badCountry.status).toBe(400);
    const saved = await browser.post('/billing-address', {
      companyName: 'Example GmbH',
      address: 'Hauptstraße 1',
      city: 'Berlin',
      country: 'de',
      taxInfo: 'DE123456789',
    });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/billing-address?done=saved');
    const shown = await browser.get('/billing-address?done=saved');
    expect(shown.html).toContain('value="DE"');
    expect(shown.html).toContain('value="Example GmbH"');
    expect(htmlText(shown.html)).toContain('Saved');
  });
});
