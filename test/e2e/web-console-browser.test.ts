import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/service/accounts/operations.js';
import { createStaff } from '../../src/service/auth/staff.js';
import {
  browserMissing,
  launchBrowser,
  newProfile,
  press,
  screenshot,
  seriousViolations,
  typeInto,
} from '../support/browser.js';
import { ManualClock } from '../support/clock.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { order, ownerOf, pay } from '../support/orders.js';
import { value } from '../support/results.js';
import { givePassword, PASSWORD } from '../support/web.js';
import { STAFF } from './web-console-fixture.js';

const missing = browserMissing();
const CUSTOMER = 'owner@example.com';

describe.skipIf(missing !== undefined)('a refund from the Support pages to the console, in Chromium', () => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let browser: Browser;
  let keyHint: string;

  beforeAll(async () => {
    service = await startInProcessService(clock);
    const { ctx } = service;
    value(await createStaff(ctx, STAFF));
    await givePassword(ctx, STAFF);
    const { account } = value(await createAccount(ctx, { email: CUSTOMER, name: 'Example Corp' }));
    await givePassword(ctx, CUSTOMER);
    // A key bought and paid by card ten days ago, never activated: what a refund takes.
    clock.set('2027-02-19T09:00:00Z');
    const owner = ownerOf(account.id);
    const paid = await pay(
      ctx,
      owner,
      value(await order(ctx, owner, [{ type: 'key', sku: 'key-1y', connections: 10 }])),
    );
    clock.set('2027-03-01T09:00:00Z');
    const keyId = paid.fulfilment?.issuedLicenseIds[0];
    if (keyId === undefined) throw new Error('the order issued no key');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  async function signedIn(email: string): Promise<Page> {
    const page = await (await newProfile(browser)).newPage();
    await page.goto(`${service.url}/`);
    await typeInto(page, { name: 'email' }, email);
    await typeInto(page, { name: 'password' }, PASSWORD);
    await press(page, { text: 'Sign in' });
    return page;
  }

  /** The page is whole for a keyboard and a screen reader; its picture goes to the docs. */
  async function checked(page: Page, name: string, heading: string | RegExp): Promise<void> {
    expect(await page.locator('h1').textContent()).toMatch(heading);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, name);
  }

  it('a customer asks for a refund; staff approve it from the queue; the customer sees the key revoked', async () => {
    const customer = await signedIn(CUSTOMER);
    keyHint = ((await customer.locator('code.key').first().textContent()) ?? '').slice(-4);
    await press(customer, { text: 'Support' });
    await checked(customer, 'support', 'Support');
    await press(customer, { text: 'Open a support request' });
    await checked(customer, 'support-new', 'Open a support request');
    await typeInto(customer, { name: 'message' }, 'Bought twice by mistake.');
    await press(customer, { text: 'Open the request' });
    expect(await customer.locator('.notice').textContent()).toBe(
      'Request opened: vendor staff will decide it.',
    );
    const requestUrl = customer.url();

    const staff = await signedIn(STAFF);
    expect(new URL(staff.url()).pathname).toBe('/console');
    expect(await staff.locator('tbody').first().textContent()).toContain('Bought twice by mistake.');
    await checked(staff, 'console-queue', 'Support queue');
    await press(staff, { text: 'Refund' });
    await checked(staff, 'console-request', `Refund request for key …${keyHint}`);
    await typeInto(staff, { name: 'note' }, 'Refunded as asked.');
    await press(staff, { text: 'Approve' });
    const outcome = (await staff.locator('.notice').textContent()) ?? '';
    expect(outcome).toMatch(new RegExp(`^Refunded: key …${keyHint} revoked; credit note \\S+`));
    expect(await staff.locator('form[action$="/approve"]').count()).toBe(0);

    await press(customer, { text: 'Support' });
    await press(customer, { text: 'Refund' });
    expect(customer.url()).toBe(requestUrl.split('?')[0]);
    const shown = (await customer.locator('main').textContent()) ?? '';
    expect(shown).toContain(`Refunded: key …${keyHint} revoked`);
    expect(shown).toContain('Staff wrote: Refunded as asked.');
    await checked(customer, 'support-request', `Refund request for key …${keyHint}`);
    await press(customer, { text: 'License Keys' });
    const row = (await customer.locator('tbody tr').first().textContent()) ?? '';
    expect(row).toContain('revoked');
    expect(row).toContain('refunded');
  });

  it('walks every console page by keyboard with no serious accessibility finding', async () => {
    const staff = await signedIn(STAFF);
    await press(staff, { text: 'Accounts' });
    await checked(staff, 'console-accounts', 'Accounts');
    await press(staff, { text: 'Example Corp' });
    await checked(staff, 'console-account', 'Example Corp');
    expect(await staff.locator('main').textContent()).toContain(`…${keyHint}`);
    await press(staff, { text: 'Orders' });
    await checked(staff, 'console-orders', 'Orders');
    await press(staff, { text: 'Invoices' });
    await checked(staff, 'console-invoices', 'Invoices');
    await press(staff, { text: 'Catalog' });
    await checked(staff, 'console-catalog', 'Catalog');
    await press(staff, { text: 'Audit log' });
    await checked(staff, 'console-audit', 'Audit log');
    await press(staff, { text: 'Reminders' });
    await checked(staff, 'console-reminders', 'Reminders');
  });
});
