import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/service/accounts/operations.js';
import { issueLicense } from '../../src/service/licenses/operations.js';
import { type AgentWithPage, agentWithPage } from '../support/agent-page.js';
import {
  browserMissing,
  fromTop,
  launchBrowser,
  newProfile,
  press,
  screenshot,
  seriousViolations,
  typeInto,
} from '../support/browser.js';
import { ManualClock } from '../support/clock.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';

const missing = browserMissing();

describe.skipIf(missing !== undefined)('the server’s license page in Chromium', () => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let held: AgentWithPage;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    service = await startInProcessService(clock);
    const account = await createAccount(service.ctx, { email: 'owner@example.com', name: 'Example Corp' });
    if (!account.ok) throw new Error(account.error.detail);
    const license = await issueLicense(service.ctx, { accountId: account.value.account.id, connections: 10 });
    if (!license.ok) throw new Error(license.error.detail);
    key = license.value.key;
    held = await agentWithPage(service, clock);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await held?.close();
    await service?.close();
  });

  it('activates a key by keyboard: Enter Activation Key, Activate, and [0, 10] with the key active', async () => {
    const page = await (await newProfile(browser)).newPage();
    await page.goto(`${held.page.url}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Activation');
    await expect(page.locator('.figure').textContent()).resolves.toBe('[0, 2]');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'agent-activation');

    // A mistyped key is refused next to the form, what was typed given back to correct.
    await typeInto(
      page,
      { text: 'Enter Activation Key' },
      `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`,
    );
    await typeInto(page, { text: 'License service URL' }, service.url);
    await press(page, { text: 'Activate' });
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'A character of the license key is mistyped: check it and try again.',
    );
    await expect(page.locator('.figure').textContent()).resolves.toBe('[0, 2]');
    expect(await seriousViolations(page)).toEqual([]);

    await fromTop(page);
    await typeInto(page, { text: 'Enter Activation Key' }, key);
    await press(page, { text: 'Activate' });

    expect(new URL(page.url()).search).toBe('?done=activated');
    await expect(page.locator('.figure').textContent()).resolves.toBe('[0, 10]');
    await expect(page.getByRole('status').textContent()).resolves.toBe(
      'Activated: the key’s connections are added to the total.',
    );
    const row = page.locator('tbody tr', { hasText: `…${key.slice(-4)}` });
    await expect(row.locator('.badge').textContent()).resolves.toBe('active');
    await expect(row.locator('td.number').textContent()).resolves.toBe('10');
    expect(held.agent.usage()).toMatchObject({ connected: 0, licensed: 10 });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'agent-activated');
  });

  it('asks for the admin password first when it has one, by keyboard too', async () => {
    const PASSWORD = 'a long admin passphrase';
    const guarded = await agentWithPage(service, clock, { password: PASSWORD, seed: 'guarded' });
    try {
      const page = await (await newProfile(browser)).newPage();
      await page.goto(`${guarded.page.url}/`);
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'agent-sign-in');
      await typeInto(page, { text: 'Password' }, 'not the password at all');
      await press(page, { text: 'Sign in' });
      await expect(page.getByRole('alert').textContent()).resolves.toBe(
        'The password is not right: try again.',
      );
      await typeInto(page, { text: 'Password' }, PASSWORD);
      await press(page, { text: 'Sign in' });
      expect(new URL(page.url()).pathname).toBe('/');
      await expect(page.locator('.figure').textContent()).resolves.toBe('[0, 2]');
      await press(page, { text: 'Sign out' });
      expect(new URL(page.url()).pathname).toBe('/sign-in');
    } finally {
      await guarded.close();
    }
  });
});
