import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/service/accounts/operations.js';
import type { Principal } from '../../src/service/auth/principal.js';
import { createStaff } from '../../src/service/auth/staff.js';
import { registerDevice } from '../../src/service/gateways/devices.js';
import { createOrganization } from '../../src/service/gateways/organizations.js';
import { issueLicense } from '../../src/service/licenses/operations.js';
import { openRequest } from '../../src/service/support/operations.js';
import { browserMissing, launchBrowser, newProfile, seriousViolations } from '../support/browser.js';
import { ManualClock } from '../support/clock.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { boughtSubscription, order, pay } from '../support/orders.js';
import { value } from '../support/results.js';
import { pageRoutes } from '../support/served-routes.js';
import { FormClient, givePassword, PASSWORD } from '../support/web.js';

const missing = browserMissing();

/**
 * Every page of the portal and the console, opened in Chromium for the user it is for, with an
 * account that has something of everything: axe finds nothing serious, and with JavaScript off
 * the page reads the same (the pages have no script).
 */
describe.skipIf(missing !== undefined)('a tour of every page', () => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let browser: Browser;
  const ids: Record<string, string> = {};
  const profiles: Record<'owner' | 'staff', { scripted: BrowserContext; plain: BrowserContext }> =
    {} as never;

  beforeAll(async () => {
    service = await startInProcessService(clock);
    const { ctx } = service;
    const account = value(await createAccount(ctx, { email: 'owner@example.com', name: 'Example Corp' }));
    const accountId = account.account.id;
    const userId = await givePassword(ctx, 'owner@example.com');
    const owner: Extract<Principal, { kind: 'account' }> = {
      kind: 'account',
      userId,
      accountId,
      role: 'owner',
    };
    value(await createStaff(ctx, 'staff@vendor.example'));
    await givePassword(ctx, 'staff@vendor.example');
    const key = value(await issueLicense(ctx, { accountId, connections: 10 }));
    const paid = await pay(
      ctx,
      owner,
      value(await order(ctx, owner, [{ type: 'key', sku: 'key-1y', connections: 25 }])),
    );
    const subscription = await boughtSubscription(ctx, owner, 20);
    const request = value(
      await openRequest(ctx, owner, { type: 'refund', licenseId: key.id, message: 'Bought the wrong size.' }),
    );
    const organization = value(await createOrganization(ctx, owner, { name: 'Head office' }));
    const device = value(
      await registerDevice(ctx, owner, organization.id, {
        name: 'ESG front door',
        model: 'ESG510',
        serialNumber: 'ESG510-000001',
        mac: '88:DC:96:00:00:01',
      }),
    );
    Object.assign(ids, {
      '/console/accounts/{id}': accountId,
      '/console/requests/{id}': request.id,
      '/support/{id}': request.id,
      '/orders/{id}': paid.id,
      '/invoices/{id}': paid.invoiceId ?? '',
      '/subscriptions/{id}': subscription.id,
      '/subscriptions/{id}/edit': subscription.id,
      '/organizations/{id}': organization.id,
      '/devices/{id}': device.id,
    });
    browser = await launchBrowser();
    for (const [who, email] of [
      ['owner', 'owner@example.com'],
      ['staff', 'staff@vendor.example'],
    ] as const) {
      // Signed in once over HTTP; both profiles carry that session's cookies.
      const signIn = new FormClient(service.url);
      await signIn.signIn(email, PASSWORD);
      const cookies = ['sk_session', 'sk_form'].map((name) => ({
        name,
        value: signIn.cookie(name) ?? '',
        url: service.url,
      }));
      profiles[who] = {
        scripted: await newProfile(browser),
        plain: await newProfile(browser, { javaScript: false }),
      };
      await profiles[who].scripted.addCookies(cookies);
      await profiles[who].plain.addCookies(cookies);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it('opens every page for its user with no serious accessibility finding, and reads it without JavaScript', async () => {
    const pages = pageRoutes(service.app.printRoutes({ commonPrefix: false }))
      .filter((route) => route.startsWith('GET '))
      .map((route) => route.slice(4))
      // Signing in has its own tests; a PDF is a download, not a page.
      .filter((path) => !/^\/(|sign-in|welcome|password\/.*)$/.test(path) && !path.endsWith('/pdf'));
    const unfilled = pages.filter((path) => path.includes('{') && ids[path] === undefined);
    expect(unfilled, 'pages with an id this tour has no value for').toEqual([]);
    const findings: Record<string, unknown> = {};
    for (const path of pages) {
      const url = `${service.url}${path.replace(/\{\w+\}/, ids[path] ?? '')}`;
      const who = path.startsWith('/console') ? profiles.staff : profiles.owner;
      const page = await who.scripted.newPage();
      const answer = await page.goto(url);
      expect(answer?.status(), path).toBe(200);
      const violations = await seriousViolations(page);
      if (violations.length > 0) findings[path] = violations;
      await page.close();
      const plain = await who.plain.newPage();
      expect((await plain.goto(url))?.status(), `${path} without JavaScript`).toBe(200);
      expect((await plain.locator('h1').first().textContent())?.trim(), path).not.toBe('');
      await plain.close();
    }
    expect(findings).toEqual({});
  });
});
