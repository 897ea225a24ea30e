import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserMissing,
  launchBrowser,
  newProfile,
  press,
  screenshot,
  seriousViolations,
  typeInto,
} from '../support/browser.js';
import { tempDir } from '../support/engines.js';
import { type ServiceProcess, seatkeeper, startService } from '../support/service-process.js';

const missing = browserMissing();

/** The README's quick start, by keyboard: the first staff user from the bootstrap token, the first customer from a link. */
describe.skipIf(missing !== undefined)('the first sign-ins, as the README tells them', () => {
  const data = tempDir();
  let service: ServiceProcess;
  let browser: Browser;

  beforeAll(async () => {
    service = await startService({ dataDir: data.path });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    data.remove();
  });

  it('prints where the portal is and how the first staff user gets in', () => {
    expect(service.stderr()).toContain(`Portal and staff console: ${service.url}/`);
    expect(service.stderr()).toContain(`open ${service.url}/welcome, paste it`);
  });

  it('makes the first staff user on the welcome page with the printed token, once', async () => {
    const token = /skb_[A-Za-z0-9_-]+/.exec(service.stderr())?.[0] ?? '';
    const page = await (await newProfile(browser)).newPage();
    await page.goto(`${service.url}/`);
    await press(page, { text: 'Create the first staff user' });
    expect(new URL(page.url()).pathname).toBe('/welcome');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'welcome');
    await typeInto(page, { name: 'token' }, token);
    await typeInto(page, { name: 'email' }, 'you@vendor.example');
    await typeInto(page, { name: 'password' }, 'a staff passphrase here');
    await press(page, { text: 'Create and sign in' });
    expect(new URL(page.url()).pathname).toBe('/console');
    await expect(page.locator('h1').textContent()).resolves.toBe('Support queue');

    // The first customer: Accounts, create, and the link the page shows once.
    await press(page, { text: 'Accounts' });
    await typeInto(page, { text: 'Registered admin email' }, 'first@customer.example');
    await press(page, { text: 'Create the account' });
    const link = await page.locator('#made-link').inputValue();
    expect(link).toMatch(/\/password\/set\?token=skp_/);
    const customer = await (await newProfile(browser)).newPage();
    await customer.goto(link);
    await typeInto(customer, { name: 'password' }, 'the first customer phrase');
    await typeInto(customer, { name: 'again' }, 'the first customer phrase');
    await press(customer, { text: 'Set password and sign in' });
    await expect(customer.locator('h1').textContent()).resolves.toBe('Manage License Keys');

    const again = await (await newProfile(browser)).newPage();
    await again.goto(`${service.url}/welcome`);
    expect(new URL(again.url()).pathname).toBe('/sign-in');
    expect(await again.locator('body').textContent()).not.toContain('Create the first staff user');
  });

  it('lets the first customer in through the link an operator prints', async () => {
    const store = ['--data', data.path];
    expect((await seatkeeper(['account', 'create', '--email', 'admin@example.com', ...store])).code).toBe(0);
    const linked = await seatkeeper(['user', 'password-link', '--email', 'admin@example.com', ...store]);
    expect(linked.code).toBe(0);
    const link = linked.stdout.split('\n')[0] ?? '';
    expect(link).toMatch(/\/password\/set\?token=skp_/);
    const page = await (await newProfile(browser)).newPage();
    await page.goto(new URL(new URL(link).pathname + new URL(link).search, service.url).href);
    await expect(page.locator('h1').textContent()).resolves.toBe('Welcome: choose your password');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'set-password');
    await typeInto(page, { name: 'password' }, 'the customer passphrase');
    await typeInto(page, { name: 'again' }, 'the customer passphrase');
    await press(page, { text: 'Set password and sign in' });
    expect(new URL(page.url()).pathname).toBe('/keys');
    await expect(page.locator('h1').textContent()).resolves.toBe('Manage License Keys');
  });
});
