import type { Browser, Page } from 'playwright-core';
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
import { ManualClock } from '../support/clock.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { type Subscriber, subscriber } from '../support/portal.js';
import { PASSWORD } from '../support/web.js';

const missing = browserMissing();

describe.skipIf(missing !== undefined)('Subscriptions, Usage and Members in Chromium', () => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let browser: Browser;
  let ours: Subscriber;

  beforeAll(async () => {
    service = await startInProcessService(clock);
    // A subscription of 100 bought on 1 March, its one server peaking at 87 tunnels on the 10th.
    ours = await subscriber(service.ctx, 'owner@example.com', { tunnels: 40 });
    clock.advance(9 * 86_400_000);
    await ours.report(87);
    clock.advance(60_000);
    await ours.report(64);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  const heading = (page: Page) => page.locator('h1').textContent();

  async function checked(page: Page, name: string): Promise<void> {
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, name);
  }

  it('goes from a subscription and its proration to usage and a member’s invitation, by keyboard', async () => {
    const page = await (await newProfile(browser)).newPage();
    await page.goto(`${service.url}/`);
    await typeInto(page, { name: 'email' }, ours.owner);
    await typeInto(page, { name: 'password' }, PASSWORD);
    await press(page, { text: 'Sign in' });

    await press(page, { text: 'Subscriptions' });
    expect(await heading(page)).toBe('Subscriptions');
    expect(await page.locator('tbody tr').count()).toBe(1);
    await checked(page, 'subscriptions');

    await press(page, { text: ours.sub.key });
    expect(new URL(page.url()).pathname).toBe(`/subscriptions/${ours.sub.id}`);
    await expect(page.locator('main').textContent()).resolves.toContain('64 of 100 connections in use now');
    expect(await page.locator('tbody tr').count()).toBe(1);
    await checked(page, 'subscription');

    await press(page, { text: 'Edit Subscription' });
    expect(await heading(page)).toMatch(/^Edit Subscription/);
    expect(await seriousViolations(page)).toEqual([]);
    await typeInto(page, { name: 'connections' }, '150');
    await press(page, { text: 'See the price' });
    const lines = await page.locator('tbody').textContent();
    expect(lines).toContain('Unused time on 100 connections, 21 of 31 days (2027-03-11 to 2027-03-31)');
    expect(lines).toContain('Remaining time on 150 connections, 21 of 31 days');
    expect(lines).toMatch(/× 21\/31/);
    await checked(page, 'subscription-edit');

    await press(page, { text: 'Usage' });
    expect(await heading(page)).toBe('Usage');
    await expect(page.locator('main').textContent()).resolves.toContain(
      'Your peak in the last 30 days was 87 of 100: a 100-connection key fits.',
    );
    expect(await page.locator('svg.chart[role="img"]').count()).toBe(2);
    await checked(page, 'usage');

    await press(page, { text: 'Members' });
    await typeInto(page, { name: 'email' }, 'new.member@example.com');
    await press(page, { text: 'Invite' });
    const link = await page.locator('a[href*="/password/set?token="]').getAttribute('href');
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/password\/set\?token=/);
    await checked(page, 'members');

    // The member opens the link in a browser of their own, chooses a password and is signed in.
    const theirs = await (await newProfile(browser)).newPage();
    await theirs.goto(link ?? '');
    expect(await heading(theirs)).toBe('Welcome: choose your password');
    expect(await seriousViolations(theirs)).toEqual([]);
    await typeInto(theirs, { name: 'password' }, PASSWORD);
    await typeInto(theirs, { name: 'again' }, PASSWORD);
    await press(theirs, { text: 'Set password and sign in' });
    expect(new URL(theirs.url()).pathname).toBe('/keys');
    const navigation = await theirs.locator('nav[aria-label="Main"]').textContent();
    expect(navigation).toContain('Subscriptions');
    expect(navigation).not.toContain('Invoices');
    expect(navigation).not.toContain('Members');
    expect(await seriousViolations(theirs)).toEqual([]);
  });
});
