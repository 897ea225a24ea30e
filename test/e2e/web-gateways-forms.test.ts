import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventory, showDevice } from '../../src/service/gateways/devices.js';
import { ManualClock } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import { associatedLicense, organizationOf, registerTestDevice } from '../support/gateways.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { value } from '../support/results.js';
import { FormClient } from '../support/web.js';
import { boughtKey, type GatewayCustomer, gatewayCustomer, licensesOf } from './web-gateways-setup.js';

/** The inventory's and the device page's forms: what they do, and refusals that change nothing. */
describe.each(ENGINES)('the gateway pages’ forms (%s)', (engine) => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let fleet: GatewayCustomer;
  let owner: FormClient;

  beforeAll(async () => {
    service = await startInProcessService(clock, engine);
    fleet = await gatewayCustomer(service.ctx, 'Head office');
    owner = new FormClient(service.url);
    expect((await owner.signIn(fleet.email)).status).toBe(303);
  });
  afterAll(() => service.close());

  const inventoryPath = () => `/organizations/${fleet.organizationId}`;
  const devices = async () => value(await inventory(service.ctx, fleet.owner, fleet.organizationId)).devices;

  it('registers a device, and shows a refusal (empty serial number, a device taken) without registering any', async () => {
    await owner.get(inventoryPath());
    const gateway = {
      serialNumber: 'ESG5100001',
      mac: '88:dc:96:12:34:56',
      model: 'ESG510',
      name: 'HQ gateway',
    };
    const empty = await owner.post(`${inventoryPath()}/devices`, { ...gateway, serialNumber: '' });
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('role="alert">The device is not valid: /serialNumber');
    expect(empty.html).toContain('value="HQ gateway"');
    expect(await devices()).toEqual([]);

    const registered = await owner.post(`${inventoryPath()}/devices`, gateway);
    expect(registered.status).toBe(303);
    expect(registered.location).toBe(`${inventoryPath()}?done=registered`);
    const listed = await owner.get(registered.location ?? '');
    expect(listed.html).toContain('The device is registered.');
    expect(listed.html).toMatch(
      /HQ gateway<\/a><\/td>\s*<td>ESG510<\/td>\s*<td><code>ESG5100001<\/code><\/td>\s*<td><code>88:DC:96:12:34:56<\/code><\/td>\s*<td><span class="badge">Inactive<\/span>/,
    );

    const taken = await owner.post(`${inventoryPath()}/devices`, { ...gateway, name: 'Twin' });
    expect(taken.status).toBe(409);
    expect(taken.html).toContain(
      'role="alert">A device with serial number ESG5100001 or MAC 88:DC:96:12:34:56 is registered already.</p>',
    );
    expect((await devices()).map((device) => device.name)).toEqual(['HQ gateway']);
  });

  it('adds a license key after showing what it unzips into; a malformed, unknown or used key changes nothing', async () => {
    await owner.get(inventoryPath());
    const malformed = await owner.post(`${inventoryPath()}/license-keys/preview`, { key: 'ABCD-1234' });
    expect(malformed.status).toBe(400);
    expect(malformed.html).toContain(
      'role="alert">A license key has 20 characters in five groups of four; this one has 8.</p>',
    );
    expect(malformed.html).toContain('value="ABCD-1234"');
    const key = await boughtKey(service.ctx, fleet, 'SPC-1YR-LIC', 4);
    const preview = await owner.post(`${inventoryPath()}/license-keys/preview`, { key });
    expect(preview.status).toBe(200);
    expect(preview.html).toContain(
      'This key unzips into <strong>4 × SPC-1YR-LIC (20 VPN users each, 1 year)</strong>',
    );
    expect(preview.html).toContain('<dt>VPN users in all</dt><dd>80</dd>');
    expect(preview.html).toContain('>Add</button>');
    expect(await licensesOf(service.ctx, fleet)).toEqual([]);

    const added = await owner.post(`${inventoryPath()}/license-keys`, { key });
    expect(added.status).toBe(303);
    const page = await owner.get(added.location ?? '');
    expect(page.html).toContain('The key is added');
    expect(page.html).toContain('4 licenses, 4 unassociated');
    expect((await licensesOf(service.ctx, fleet)).map((license) => license.status)).toEqual(
      Array(4).fill('unassociated'),
    );

    const again = await owner.post(`${inventoryPath()}/license-keys`, { key });
    expect(again.status).toBe(409);
    expect(again.html).toContain('was added to an organization already: move its licenses from there.');
    const previewAgain = await owner.post(`${inventoryPath()}/license-keys/preview`, { key });
    expect(previewAgain.html).toContain('already: a key is added once');
    expect(previewAgain.html).not.toContain('>Add</button>');
    expect(await licensesOf(service.ctx, fleet)).toHaveLength(4);
  });

  it('associates from the inventory and undoes it while Merging; a third undo in the week is refused verbatim', async () => {
    const deviceId = await registerTestDevice(service.ctx, fleet, 'Undo gateway');
    const [first, second, third] = (await licensesOf(service.ctx, fleet)).map((license) => license.id);
    await owner.get(inventoryPath());
    for (const licenseId of [first, second, third]) {
      const associated = await owner.post(`/gateway-licenses/${licenseId}/associate`, { deviceId });
      expect(associated.status).toBe(303);
      expect(associated.location).toBe(`${inventoryPath()}?done=associated`);
      await owner.get(associated.location ?? '');
    }
    const merging = await owner.get(inventoryPath());
    expect(merging.html).toContain('undo until 2027-03-08');
    expect(merging.html).toMatch(
      /Undo gateway<\/a><\/td>\s*<td>ESG510<\/td>[\s\S]*?<span class="badge warn">Merging<\/span>/,
    );

    const undone = await owner.post(`/gateway-licenses/${first}/undo`, {});
    expect(undone.status).toBe(303);
    expect((await owner.get(undone.location ?? '')).html).toContain('The association is undone');
    const limited = await owner.post(`/gateway-licenses/${second}/undo`, {});
    expect(limited.status).toBe(409);
    expect(limited.html).toContain(
      'role="alert">3 licenses were associated with this device within 7 days and one was disassociated already.</p>',
    );
    const after = await licensesOf(service.ctx, fleet);
    expect(after.find((license) => license.id === second)?.deviceId).toBe(deviceId);
    expect(after.find((license) => license.id === first)?.deviceId).toBeNull();
  });

  it('shows the device page with its SecuPoint VPN Client maximum, and makes an enrollment code shown once', async () => {
    const deviceId = await registerTestDevice(service.ctx, fleet, 'Seed gateway');
    await associatedLicense(service.ctx, fleet, deviceId, 'SPC-1YR-LIC');
    await associatedLicense(service.ctx, fleet, deviceId, 'SPC-3YR-LIC');
    await associatedLicense(service.ctx, fleet, deviceId, 'PRO-1YR-LIC');
    const page = await owner.get(`/devices/${deviceId}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('SecuPoint VPN Client: maximum 32 (2 built-in + 30 from licenses)');
    expect(page.html).toMatch(
      /<dt>Pro license<\/dt><dd><span class="badge ok">Active<\/span>, expires 2028-03-01/,
    );
    expect(page.html).toMatch(
      /<td>SPC-1YR-LIC<\/td>\s*<td class="number">20<\/td>\s*<td class="number">20<\/td>/,
    );
    expect(page.html).toMatch(
      /<td>SPC-3YR-LIC<\/td>\s*<td class="number">10<\/td>\s*<td class="number">10<\/td>/,
    );

    const code = await owner.post(`/devices/${deviceId}/enrollment`, {});
    expect(code.status).toBe(201);
    const shown = /id="enrollment-code">(ske_[^<]+)</.exec(code.html)?.[1];
    expect(shown).toBeDefined();
    expect((await owner.get(`/devices/${deviceId}`)).html).not.toContain(shown ?? 'nothing');
  });

  it('moves a device with its licenses and an unassociated license to another organization administered', async () => {
    const branch = (await organizationOf(service.ctx, fleet.ownerToken, 'Branch')).organizationId;
    const deviceId = await registerTestDevice(service.ctx, fleet, 'Travelling gateway');
    const licenseId = await associatedLicense(service.ctx, fleet, deviceId, 'SPC-3YR-LIC');
    await owner.get(`/devices/${deviceId}`);
    const moved = await owner.post(`/devices/${deviceId}/move`, { organizationId: branch });
    expect(moved.status).toBe(303);
    const page = await owner.get(moved.location ?? '');
    expect(page.html).toContain(`<a href="/organizations/${branch}">Branch</a>`);
    expect(page.html).toContain('The device moved');
    expect((await licensesOf(service.ctx, fleet, branch)).map((license) => license.id)).toEqual([licenseId]);

    const spare = (await licensesOf(service.ctx, fleet)).find((license) => license.deviceId === null);
    await owner.get(inventoryPath());
    const movedLicense = await owner.post(`/gateway-licenses/${spare?.id}/move`, { organizationId: branch });
    expect(movedLicense.status).toBe(303);
    expect((await licensesOf(service.ctx, fleet, branch)).map((license) => license.id)).toContain(spare?.id);
  });

  it('shares a license of more than 100 users with another gateway, and undoes the replica', async () => {
    const own = await registerTestDevice(service.ctx, fleet, 'Pool owner');
    const peer = await registerTestDevice(service.ctx, fleet, 'Pool peer');
    const licenseId = await associatedLicense(service.ctx, fleet, own, 'SPC-1YR-150-LIC');
    const page = await owner.get(inventoryPath());
    expect(page.html).toContain(`name="share" value="${licenseId}"`);
    const shared = await owner.post(`/gateway-licenses/${licenseId}/share`, { deviceIds: [peer] });
    expect(shared.status).toBe(303);
    await owner.get(shared.location ?? '');
    const peerPage = value(await showDevice(service.ctx, fleet.owner, peer));
    expect(peerPage.licenses.map((bound) => bound.role)).toEqual(['replica']);
    const none = await owner.post(`/gateway-licenses/${licenseId}/share`, {});
    expect(none.status).toBe(400);
    expect(none.html).toContain('Choose at least one gateway to share the license with.');
    await owner.get(inventoryPath());
    const unshared = await owner.post(`/gateway-licenses/${licenseId}/unshare`, { deviceId: peer });
    expect(unshared.status).toBe(303);
    expect(value(await showDevice(service.ctx, fleet.owner, peer)).licenses).toEqual([]);
  });

  it('replaces a failed device: its licenses go to the replacement, and the old one gets no enrollment code', async () => {
    const failed = await registerTestDevice(service.ctx, fleet, 'Failed gateway');
    const replacement = await registerTestDevice(service.ctx, fleet, 'New gateway');
    const licenseId = await associatedLicense(service.ctx, fleet, failed, 'SPC-1YR-LIC');
    await owner.get(`/devices/${failed}`);
    const itself = await owner.post(`/devices/${failed}/replace`, { replacementId: failed });
    expect(itself.status).toBe(400);
    expect(itself.html).toContain('role="alert">');
    const replaced = await owner.post(`/devices/${failed}/replace`, { replacementId: replacement });
    expect(replaced.status).toBe(303);
    expect(replaced.location).toBe(`/devices/${replacement}?done=replaced`);
    const page = await owner.get(replaced.location ?? '');
    expect(page.html).toContain('SecuPoint VPN Client: maximum 22 (2 built-in + 20 from licenses)');
    expect(page.html).toContain(licenseId);
    const old = await owner.get(`/devices/${failed}`);
    expect(old.html).toContain(`Replaced by <a href="/devices/${replacement}">`);
    expect(old.html).not.toContain('SecuPoint VPN Client: maximum');
    const refused = await owner.post(`/devices/${failed}/enrollment`, {});
    expect(refused.status).toBe(409);
    expect(refused.html).toContain(
      `role="alert">Gateway ${failed} was replaced by ${replacement}: enroll the replacement instead.`,
    );
  });

  it('refuses to undo a Merged license with the operation’s words, and leaves it associated', async () => {
    const deviceId = await registerTestDevice(service.ctx, fleet, 'Merged gateway');
    const licenseId = await associatedLicense(service.ctx, fleet, deviceId, 'SPC-1YR-LIC');
    clock.set(new Date(clock.now().getTime() + 8 * 86_400_000));
    // A week later the session has ended: the owner signs in again.
    await owner.signIn(fleet.email);
    await owner.get(inventoryPath());
    const refused = await owner.post(`/gateway-licenses/${licenseId}/undo`, {});
    expect(refused.status).toBe(409);
    expect(refused.html).toMatch(
      /role="alert">The license merged with its device on \d{4}-\d{2}-\d{2}, 7 days after its association: it can no longer be removed.<\/p>/,
    );
    expect((await licensesOf(service.ctx, fleet)).find((license) => license.id === licenseId)?.deviceId).toBe(
      deviceId,
    );
  });
});
