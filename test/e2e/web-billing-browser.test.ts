import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../../src/service/payments/test-provider.js';
import {
  browserMissing,
  launchBrowser,
  newProfile,
  press,
  screenshot,
  seriousViolations,
  tabTo,
  tick,
  typeInto,
} from '../support/browser.js';
import { pdfText } from '../support/pdf-text.js';
import { PASSWORD } from '../support/web.js';
import { type BillingWorld, billingWorld, MEMBER, OWNER } from './web-billing-fixture.js';

const missing = browserMissing();

describe.skipIf(missing !== undefined)('the billing pages in Chromium, by keyboard', () => {
  let world: BillingWorld;
  let browser: Browser;

  beforeAll(async () => {
    world = await billingWorld();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.service.close();
  });

  async function signedIn(email = OWNER): Promise<Page> {
    const page = await (await newProfile(browser)).newPage();
    await page.goto(`${world.service.url}/`);
    await typeInto(page, { name: 'email' }, email);
    await typeInto(page, { name: 'password' }, PASSWORD);
    await press(page, { text: 'Sign in' });
    return page;
  }

  /** No serious accessibility finding on the page as it is now. */
  const accessible = async (page: Page) => expect(await seriousViolations(page)).toEqual([]);

  const path = (page: Page) => new URL(page.url()).pathname;
  const text = async (page: Page) => ((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ');

  /** Manage License Keys → tick both keys → Renew a License Key: the quote's page. */
  async function renewBoth(page: Page): Promise<void> {
    expect(path(page)).toBe('/keys');
    for (const key of world.keys) await tick(page, { name: 'key', value: key.id });
    await press(page, { text: 'Renew a License Key' });
    expect(path(page)).toMatch(/^\/orders\/ord_/);
  }

  it('renews two keys by card, prints the invoice, downloads its PDF and shows the new terms', async () => {
    const page = await signedIn();
    await renewBoth(page);
    await accessible(page);
    expect(await text(page)).toContain('$700.00');
    expect(await text(page)).toContain(TEST_CARDS.approved);
    await screenshot(page, 'renew-checkout');
    await typeInto(page, { name: 'card' }, TEST_CARDS.approved);
    await press(page, { text: 'Checkout with credit card' });
    expect(path(page)).toBe('/keys');
    expect(await text(page)).toContain('the keys are renewed');
    expect((await text(page)).match(/2027-03-01 → 2029-03-01/g)).toHaveLength(2);
    await accessible(page);

    await press(page, { text: 'Invoices' });
    expect(path(page)).toBe('/invoices');
    await accessible(page);
    await screenshot(page, 'invoices');
    const number = /SK-\d{6}/.exec(await text(page))?.[0] ?? '';
    expect(number).not.toBe('');
    await press(page, { text: `Print Invoice ${number}` });
    expect(await page.locator('h1').textContent()).toBe(`Invoice ${number}`);
    expect(await text(page)).toContain('$700.00');
    await accessible(page);
    await screenshot(page, 'invoice-print');
    await tabTo(page, { text: 'Download PDF' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toBe(`${number}.pdf`);
    const pdf = pdfText(readFileSync((await download.path()) ?? ''));
    expect(pdf).toContain(`Invoice ${number}`);
    expect(pdf).toContain('$700.00');

    await press(page, { text: 'License Keys' });
    expect((await text(page)).match(/2027-03-01 → 2029-03-01/g)).toHaveLength(2);
  });

  it('a declined card says to try PayPal, and PayPal pays', async () => {
    const page = await signedIn();
    await renewBoth(page);
    await typeInto(page, { name: 'card' }, TEST_CARDS.declined);
    await press(page, { text: 'Checkout with credit card' });
    expect(path(page)).toMatch(/^\/orders\/ord_.*\/pay$/);
    const said = await text(page);
    expect(said).toContain('Your card was declined.');
    expect(said).toContain('Try PayPal, or open a support request');
    await accessible(page);
    await press(page, { text: 'Pay with PayPal' });
    expect(path(page)).toBe('/keys');
    expect(await text(page)).toContain('the keys are renewed');
    expect((await text(page)).match(/2027-03-01 → 2030-03-01/g)).toHaveLength(2);
  });

  it('buys a new key online and saves the billing address', async () => {
    const page = await signedIn();
    await page.goto(`${world.service.url}/orders`);
    await accessible(page);
    await press(page, { text: 'Buy new keys' });
    expect(path(page)).toBe('/buy');
    await accessible(page);
    await screenshot(page, 'buy');
    await typeInto(page, { name: 'connections' }, '12');
    await press(page, { text: 'Get a quote' });
    expect(await text(page)).toContain('1 year from payment');
    await typeInto(page, { name: 'card' }, TEST_CARDS.approved);
    await press(page, { text: 'Checkout with credit card' });
    expect(new URL(page.url()).search).toBe('?done=paid');
    expect(await text(page)).toContain('Paid: thank you');
    expect(await text(page)).toContain('Print Invoice');
    await accessible(page);
    await screenshot(page, 'order-paid');

    await press(page, { text: 'Billing Address' });
    await typeInto(page, { name: 'companyName' }, 'Example GmbH');
    await typeInto(page, { name: 'address' }, 'Hauptstraße 1');
    await typeInto(page, { name: 'city' }, 'Berlin');
    await typeInto(page, { name: 'country' }, 'DE');
    await press(page, { text: 'Save billing address' });
    expect(await text(page)).toContain('Saved');
    expect(await page.locator('#country').inputValue()).toBe('DE');
    await accessible(page);
    await screenshot(page, 'billing-address');
  });

  it('refuses a member the invoices and the renewal: 403', async () => {
    const page = await signedIn(MEMBER);
    expect(path(page)).toBe('/keys');
    expect(await page.locator('nav a[href="/invoices"]').count()).toBe(0);
    for (const refused of ['/invoices', '/keys/renew']) {
      const answer = await page.goto(`${world.service.url}${refused}`);
      expect(answer?.status(), refused).toBe(403);
      expect(await text(page)).toContain('Only the account’s owner');
      await accessible(page);
    }
  });
});
