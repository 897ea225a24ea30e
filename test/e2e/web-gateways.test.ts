import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventory } from '../../src/service/gateways/devices.js';
import { listOrganizations } from '../../src/service/gateways/organizations.js';
import { ManualClock } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import { associatedLicense, organizationOf, registerTestDevice } from '../support/gateways.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { value } from '../support/results.js';
import { FormClient } from '../support/web.js';
import { type GatewayCustomer, gatewayCustomer, gatewayMember } from './web-gateways-setup.js';

/** Who sees which gateway pages: the organizations administered, nobody else's. */
describe.each(ENGINES)('the gateway pages: who sees what (%s)', (engine) => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let fleet: GatewayCustomer;
  let branchId: string;
  let deviceId: string;
  let licenseId: string;
  let other: GatewayCustomer;
  let otherDeviceId: string;
  let otherLicenseId: string;
  let memberEmail: string;

  beforeAll(async () => {
    service = await startInProcessService(clock, engine);
    const { ctx } = service;
    fleet = await gatewayCustomer(ctx, 'Head office');
    branchId = (await organizationOf(ctx, fleet.ownerToken, 'Branch')).organizationId;
    deviceId = await registerTestDevice(ctx, fleet, 'HQ gateway');
    licenseId = await associatedLicense(ctx, fleet, deviceId, 'SPC-1YR-LIC');
    other = await gatewayCustomer(ctx, 'Somebody else');
    otherDeviceId = await registerTestDevice(ctx, other, 'Their gateway');
    otherLicenseId = await associatedLicense(ctx, other, otherDeviceId, 'SPC-3YR-LIC');
    // A member who administers the branch only.
    memberEmail = await gatewayMember(ctx, fleet, branchId);
  });
  afterAll(() => service.close());

  async function signedIn(email: string): Promise<FormClient> {
    const browser = new FormClient(service.url);
    expect((await browser.signIn(email)).status).toBe(303);
    return browser;
  }

  it('sends a visitor who is not signed in to sign in first', async () => {
    const anonymous = new FormClient(service.url);
    const answer = await anonymous.get(`/organizations/${fleet.organizationId}`);
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(
      `/sign-in?next=${encodeURIComponent(`/organizations/${fleet.organizationId}`)}`,
    );
  });

  it('lists every organization of the account to its owner, under the Gateways navigation item', async () => {
    const owner = await signedIn(fleet.email);
    const list = await owner.get('/organizations');
    expect(list.status).toBe(200);
    expect(list.html).toContain('<a href="/organizations" aria-current="page">Gateways</a>');
    expect(list.html).toContain(`href="/organizations/${fleet.organizationId}">Head office</a>`);
    expect(list.html).toContain(`href="/organizations/${branchId}">Branch</a>`);
    expect(list.html).not.toContain('Somebody else');
    expect(list.html).toContain('Create organization');
  });

  it('creates an organization for the owner, and refuses one without a name, creating nothing', async () => {
    const owner = await signedIn(fleet.email);
    await owner.get('/organizations');
    const before = (await listOrganizations(service.ctx, fleet.owner)).length;
    const blank = await owner.post('/organizations', { name: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.html).toContain('An organization has a name.');
    expect((await listOrganizations(service.ctx, fleet.owner)).length).toBe(before);
    const created = await owner.post('/organizations', { name: 'Warehouse' });
    expect(created.status).toBe(303);
    const page = await owner.get(created.location ?? '');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Warehouse: Inventory &amp; License');
    expect(page.html).toContain('The organization is created');
    expect((await listOrganizations(service.ctx, fleet.owner)).length).toBe(before + 1);
  });

  it('answers another account’s organization, device and license as unknown (404), pages and forms alike', async () => {
    const owner = await signedIn(fleet.email);
    for (const path of [`/organizations/${other.organizationId}`, `/devices/${otherDeviceId}`]) {
      const answer = await owner.get(path);
      expect(answer.status).toBe(404);
      expect(answer.html).not.toContain('Their gateway');
      expect(answer.html).not.toContain('Somebody else');
    }
    await owner.get('/organizations');
    const _csrf = owner.csrf;
    const posts: [string, Record<string, string>][] = [
      [
        `/organizations/${other.organizationId}/devices`,
        { serialNumber: 'ESG510-X1', mac: '88:DC:96:AA:BB:CC', model: 'ESG510', name: 'Intruder' },
      ],
      [`/organizations/${other.organizationId}/license-keys/preview`, { key: 'AAAA-BBBB-CCCC-DDDD-EEEE' }],
      [`/gateway-licenses/${otherLicenseId}/undo`, {}],
      [`/gateway-licenses/${otherLicenseId}/move`, { organizationId: fleet.organizationId }],
      [`/gateway-licenses/${licenseId}/associate`, { deviceId: otherDeviceId }],
      [`/devices/${otherDeviceId}/move`, { organizationId: fleet.organizationId }],
      [`/devices/${otherDeviceId}/enrollment`, {}],
      ['/devices/dev_unknown/replace', { replacementId: deviceId }],
    ];
    for (const [path, fields] of posts) {
      const answer = await owner.post(path, { ...fields, _csrf });
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
    }
    // Nothing of theirs changed, and nothing of ours moved to them.
    const theirs = value(await inventory(service.ctx, other.owner, other.organizationId));
    expect(theirs.devices.map((device) => device.id)).toEqual([otherDeviceId]);
    expect(theirs.devices[0]?.licenseStatus).toBe('active');
    const ours = value(await inventory(service.ctx, fleet.owner, fleet.organizationId));
    expect(ours.devices.map((device) => device.vpnSeats)).toEqual([22]);
  });

  it('shows a member only the organizations they administer, and answers the others 403', async () => {
    const member = await signedIn(memberEmail);
    const list = await member.get('/organizations');
    expect(list.status).toBe(200);
    expect(list.html).toContain(`href="/organizations/${branchId}">Branch</a>`);
    expect(list.html).not.toContain(`href="/organizations/${fleet.organizationId}"`);
    expect(list.html).not.toContain('Create organization');
    expect((await member.get(`/organizations/${branchId}`)).status).toBe(200);
    for (const path of [`/organizations/${fleet.organizationId}`, `/devices/${deviceId}`]) {
      const answer = await member.get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
      expect(answer.html).not.toContain('HQ gateway');
    }
    await member.get(`/organizations/${branchId}`);
    const _csrf = member.csrf;
    const forbidden: [string, Record<string, string>][] = [
      [
        `/organizations/${fleet.organizationId}/devices`,
        { serialNumber: 'ESG510-M1', mac: '88:DC:96:AA:BB:01', model: 'ESG510', name: 'Not mine' },
      ],
      [`/gateway-licenses/${licenseId}/undo`, {}],
      [`/devices/${deviceId}/enrollment`, {}],
      [`/devices/${deviceId}/move`, { organizationId: branchId }],
      ['/organizations', { name: 'Mine now' }],
    ];
    for (const [path, fields] of forbidden) {
      const answer = await member.post(path, { ...fields, _csrf });
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
    }
    const head = value(await inventory(service.ctx, fleet.owner, fleet.organizationId));
    expect(head.devices.map((device) => device.name)).toEqual(['HQ gateway']);
    expect(head.devices[0]?.merging).toBe(true);
    expect(head.devices[0]?.organizationId).toBe(fleet.organizationId);
  });
});
