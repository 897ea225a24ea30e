import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addKey } from '../../src/service/gateways/keys.js';
import { listLicenses } from '../../src/service/gateways/licenses.js';
import {
  browserMissing,
  launchBrowser,
  newProfile,
  press,
  screenshot,
  seriousViolations,
  tabTo,
  typeInto,
} from '../support/browser.js';
import { ManualClock } from '../support/clock.js';
import { associatedLicense, organizationOf, registerTestDevice } from '../support/gateways.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { value } from '../support/results.js';
import { PASSWORD } from '../support/web.js';
import { boughtKey, type GatewayCustomer, gatewayCustomer } from './web-gateways-setup.js';

const missing = browserMissing();

describe.skipIf(missing !== undefined)('the gateway pages in Chromium', () => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let browser: Browser;
  let fleet: GatewayCustomer;
  let seedGateway: string;
  let mergingLicense: string;

  beforeAll(async () => {
    service = await startInProcessService(clock);
    const { ctx } = service;
    fleet = await gatewayCustomer(ctx, 'Head office', 'fleet@example.com');
    await organizationOf(ctx, fleet.ownerToken, 'Branch offices');
    // The seed's gateway: SPC-1YR-LIC (20 users) and SPC-3YR-LIC (10) bound together give 2 + 30.
    seedGateway = await registerTestDevice(ctx, fleet, 'HQ gateway');
    await associatedLicense(ctx, fleet, seedGateway, 'SPC-1YR-LIC');
    await associatedLicense(ctx, fleet, seedGateway, 'SPC-3YR-LIC');
    const spare = await registerTestDevice(ctx, fleet, 'Spare gateway');
    mergingLicense = await associatedLicense(ctx, fleet, spare, 'SPC-1YR-LIC');
    // A license that can be shared (more than 100 users) and one in the inventory: every form shows.
    const pool = await registerTestDevice(ctx, fleet, 'Pool gateway');
    await associatedLicense(ctx, fleet, pool, 'SPC-1YR-150-LIC');
    value(await addKey(ctx, fleet.owner, fleet.organizationId, await boughtKey(ctx, fleet, 'PRO-1YR-LIC')));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  async function signedIn(): Promise<Page> {
    const page = await (await newProfile(browser)).newPage();
    await page.goto(`${service.url}/`);
    await typeInto(page, { name: 'email' }, fleet.email);
    await typeInto(page, { name: 'password' }, PASSWORD);
    await press(page, { text: 'Sign in' });
    return page;
  }

  const path = (page: Page): string => new URL(page.url()).pathname;

  it('goes from Gateways to the inventory and the device page by keyboard: the seed’s maximum 32, no serious finding', async () => {
    const page = await signedIn();
    await press(page, { text: 'Gateways' });
    expect(path(page)).toBe('/organizations');
    await expect(page.locator('h1').textContent()).resolves.toBe('Gateways');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'gateway-organizations');

    await press(page, { text: 'Head office' });
    expect(path(page)).toBe(`/organizations/${fleet.organizationId}`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Head office: Inventory & License');
    expect(await page.locator('tbody tr', { hasText: 'Merging' }).count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('fieldset legend', { hasText: 'Share with' }).count()).toBe(1);
    expect(await page.locator('select[name="deviceId"]').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'gateway-inventory');

    await press(page, { text: 'HQ gateway' });
    expect(path(page)).toBe(`/devices/${seedGateway}`);
    await expect(page.locator('#secupoint-vpn-client').textContent()).resolves.toBe(
      'SecuPoint VPN Client: maximum 32 (2 built-in + 30 from licenses)',
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'gateway-device');
  });

  it('undoes a Merging license from the inventory page', async () => {
    const page = await signedIn();
    await page.goto(`${service.url}/organizations/${fleet.organizationId}`);
    await press(page, { name: 'undo', value: mergingLicense });
    expect(path(page)).toBe(`/organizations/${fleet.organizationId}`);
    await expect(page.locator('.notice').textContent()).resolves.toContain('The association is undone');
    expect(await seriousViolations(page)).toEqual([]);
    const licenses = value(await listLicenses(service.ctx, fleet.owner, fleet.organizationId));
    expect(licenses.find((license) => license.id === mergingLicense)?.deviceId).toBeNull();
  });

  it('adds a license key after its preview, and shows a refused key beside the form', async () => {
    const page = await signedIn();
    await page.goto(`${service.url}/organizations/${fleet.organizationId}`);
    await typeInto(page, { name: 'key' }, 'ABCD-1234');
    await press(page, { text: 'Check the key' });
    await expect(page.locator('[role="alert"]').textContent()).resolves.toContain(
      'A license key has 20 characters in five groups of four',
    );
    expect(await seriousViolations(page)).toEqual([]);

    const key = await boughtKey(service.ctx, fleet, 'SPC-3YR-LIC', 2);
    await typeInto(page, { name: 'key' }, key);
    await press(page, { text: 'Check the key' });
    await expect(page.locator('h1').textContent()).resolves.toBe('Add license');
    await expect(page.locator('main').textContent()).resolves.toContain('2 × SPC-3YR-LIC');
    expect(await seriousViolations(page)).toEqual([]);
    await press(page, { name: 'add', value: 'key' });
    await expect(page.locator('.notice').textContent()).resolves.toContain('The key is added');
    await tabTo(page, { name: 'deviceId' });
    const licenses = value(await listLicenses(service.ctx, fleet.owner, fleet.organizationId));
    expect(
      licenses.filter((license) => license.sku === 'SPC-3YR-LIC' && license.deviceId === null),
    ).toHaveLength(2);
  });
});
