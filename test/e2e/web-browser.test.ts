import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/service/accounts/operations.js';
import { issueLicense } from '../../src/service/licenses/operations.js';
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
import { givePassword, PASSWORD } from '../support/web.js';

const missing = browserMissing();

describe.skipIf(missing !== undefined)('the pages in Chromium', () => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let browser: Browser;

  beforeAll(async () => {
    service = await startInProcessService(clock);
    const account = await createAccount(service.ctx, { email: 'owner@example.com', name: 'Example Corp' });
    if (!account.ok) throw new Error(account.error.detail);
    await givePassword(service.ctx, 'owner@example.com');
    for (const connections of [10, 25])
      await issueLicense(service.ctx, { accountId: account.value.account.id, connections });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  async function signedIn(): Promise<Page> {
    const page = await (await newProfile(browser)).newPage();
    await page.goto(`${service.url}/`);
    await typeInto(page, { name: 'email' }, 'owner@example.com');
    await typeInto(page, { name: 'password' }, PASSWORD);
    await press(page, { text: 'Sign in' });
    return page;
  }

  it('signs in by keyboard and shows Manage License Keys, with no serious accessibility finding', async () => {
    const page = await (await newProfile(browser)).newPage();
    await page.goto(`${service.url}/`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in');
    const keys = await signedIn();
    expect(new URL(keys.url()).pathname).toBe('/keys');
    await expect(keys.locator('h1').textContent()).resolves.toBe('Manage License Keys');
    expect(await keys.locator('tbody tr').count()).toBe(2);
    expect(await seriousViolations(keys)).toEqual([]);
    await screenshot(keys, 'license-keys');
  });
});
