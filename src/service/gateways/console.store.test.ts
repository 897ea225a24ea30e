import { describe, expect, it } from 'vitest';
import { DAY } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { gatewayFixture } from '../../../test/support/gateway-console.js';
import { expectRefusal, value } from '../../../test/support/results.js';
import { createAccount } from '../accounts/operations.js';
import type { Principal } from '../auth/principal.js';
import { inventory, moveDevice, registerDevice, replaceDevice, showDevice } from './devices.js';
import { addKey, issueGatewayKey, previewKey } from './keys.js';
import { associateLicense, listLicenses, moveLicense, undoAssociation } from './licenses.js';
import { addOrganizationAdmin, createOrganization, listOrganizations } from './organizations.js';
import { shareLicense, undoShare } from './sharing.js';

describe.each(ENGINES)('gateway console on %s', (engine) => {
  const gw = gatewayFixture(engine);
  const seats = async (deviceId: string) =>
    value(await showDevice(gw.ctx, gw.owner, deviceId)).secupointVpnClient.maximum;

  it('stacks 2 built-in + 20 + 10 = 32 while the terms overlap, 12 after the first year', async () => {
    const org = await gw.organization();
    const esg = await gw.device(org);
    expect(await seats(esg)).toBe(2);
    await gw.associated(org, esg, 'SPC-1YR-LIC');
    const three = await gw.associated(org, esg, 'SPC-3YR-LIC');
    expect(three).toMatchObject({ association: 'merging', status: 'active', users: 10 });
    expect(await seats(esg)).toBe(32);
    const page = value(await showDevice(gw.ctx, gw.owner, esg));
    expect(page.secupointVpnClient).toEqual({ maximum: 32, builtIn: 2 });
    expect(page.licenses.map((bound) => [bound.license.sku, bound.seats])).toEqual([
      ['SPC-1YR-LIC', 20],
      ['SPC-3YR-LIC', 10],
    ]);
    gw.clock.advance(365 * DAY + 1);
    expect(await seats(esg)).toBe(12);
    expect(value(await showDevice(gw.ctx, gw.owner, esg)).device.licenseStatus).toBe('active');
  });

  it('leaves the VPN seats alone when a Pro license on the gateway ends, and a Pro license adds none', async () => {
    const org = await gw.organization();
    const esg = await gw.device(org);
    await gw.associated(org, esg, 'SPC-3YR-LIC');
    await gw.associated(org, esg, 'PRO-1YR-LIC');
    expect(await seats(esg)).toBe(12);
    gw.clock.advance(365 * DAY - 1);
    expect(value(await showDevice(gw.ctx, gw.owner, esg)).pro.status).toBe('expiring');
    expect(await seats(esg)).toBe(12);
    gw.clock.advance(2);
    const page = value(await showDevice(gw.ctx, gw.owner, esg));
    expect(page.pro.status).toBe('expired');
    expect(page.device.licenseStatus).toBe('active');
    expect(page.secupointVpnClient.maximum).toBe(12);
  });

  it('shows a key before adding it, unzips it into its licenses once, and refuses it a second time', async () => {
    const org = await gw.organization();
    const issued = value(
      await issueGatewayKey(gw.ctx, gw.staff, {
        accountId: gw.owner.accountId,
        sku: 'SPC-1YR-LIC',
        quantity: 4,
      }),
    );
    const preview = value(await previewKey(gw.ctx, gw.owner, issued.key.toLowerCase()));
    expect(preview).toMatchObject({
      sku: 'SPC-1YR-LIC',
      quantity: 4,
      users: 20,
      totalUsers: 80,
      addedTo: null,
    });
    expect(preview.summary).toBe('4 × SPC-1YR-LIC (20 VPN users each, 1 year)');
    const added = await Promise.all([
      addKey(gw.ctx, gw.owner, org, issued.key),
      addKey(gw.ctx, gw.owner, org, issued.key),
    ]);
    expect(added.filter((result) => result.ok)).toHaveLength(1);
    expectRefusal(added.find((result) => !result.ok) ?? added[0], 'license_key_claimed');
    const licenses = value(await listLicenses(gw.ctx, gw.owner, org));
    expect(licenses.map((license) => [license.status, license.deviceId])).toEqual(
      Array(4).fill(['unassociated', null]),
    );
    expectRefusal(await previewKey(gw.ctx, gw.owner, 'AAAA-BBBB-CCCC-DDDD-EEEE'), 'license_key_malformed');
    expect(value(await previewKey(gw.ctx, gw.owner, issued.key))).toMatchObject({
      added: true,
      addedTo: org,
    });
    const stranger = value(await createAccount(gw.ctx, { email: 'holder@example.com' }));
    const holder: Principal = {
      kind: 'account',
      userId: 'usr_h',
      accountId: stranger.account.id,
      role: 'owner',
    };
    // Someone who learned another account's key cannot add it to an organization of their own.
    const unclaimed = value(
      await issueGatewayKey(gw.ctx, gw.staff, {
        accountId: gw.owner.accountId,
        sku: 'SPC-1YR-LIC',
        quantity: 1,
      }),
    );
    const theirs = value(await createAccount(gw.ctx, { email: 'thief@example.com' }));
    const thief: Principal = {
      kind: 'account',
      userId: 'usr_t',
      accountId: theirs.account.id,
      role: 'owner',
    };
    const theirOrg = value(await createOrganization(gw.ctx, thief, { name: 'Elsewhere' })).id;
    const stolen = await addKey(gw.ctx, thief, theirOrg, unclaimed.key);
    expectRefusal(stolen, 'license_key_not_found');
    expect(value(await addKey(gw.ctx, gw.owner, org, unclaimed.key)).licenseIds).toHaveLength(1);
    // Whoever holds the key sees what it holds, not which organization claimed it.
    expect(value(await previewKey(gw.ctx, holder, issued.key))).toMatchObject({ added: true, addedTo: null });
    expectRefusal(
      await issueGatewayKey(gw.ctx, gw.staff, { accountId: gw.owner.accountId, sku: 'SPC-9YR', quantity: 1 }),
      'license_model_unknown',
    );
  });

  it('undoes an association within its 7 Merging days and not after; the term keeps running', async () => {
    const org = await gw.organization();
    const esg = await gw.device(org);
    const first = await gw.associated(org, esg, 'SPC-1YR-LIC');
    gw.clock.advance(7 * DAY - 1);
    const undone = value(await undoAssociation(gw.ctx, gw.owner, first.id));
    expect(undone).toMatchObject({
      deviceId: null,
      association: null,
      starts: first.starts,
      ends: first.ends,
    });
    expect(await seats(esg)).toBe(2);
    const again = value(await associateLicense(gw.ctx, gw.owner, first.id, esg));
    expect(again.starts).toBe(first.starts);
    expect(await seats(esg)).toBe(22);
    const second = await gw.associated(org, esg, 'SPC-3YR-LIC');
    gw.clock.advance(7 * DAY);
    expectRefusal(await undoAssociation(gw.ctx, gw.owner, second.id), 'license_merged');
    expect(
      value(await listLicenses(gw.ctx, gw.owner, org)).find((l) => l.id === second.id)?.association,
    ).toBe('merged');
    expect(await seats(esg)).toBe(22 + 10);
  });

  it('allows one undo among three or more licenses associated with a device in 7 days', async () => {
    const org = await gw.organization();
    const esg = await gw.device(org);
    const a = await gw.associated(org, esg, 'SPC-1YR-LIC');
    const b = await gw.associated(org, esg, 'SPC-1YR-LIC');
    await gw.associated(org, esg, 'SPC-3YR-LIC');
    value(await undoAssociation(gw.ctx, gw.owner, a.id));
    expectRefusal(await undoAssociation(gw.ctx, gw.owner, b.id), 'undo_limit_reached');
    expectRefusal(await undoAssociation(gw.ctx, gw.owner, a.id), 'license_not_associated');
  });

  it('shares a 150-user license with 2 more gateways, refuses a 4th and a 100-user license, and undoes a replica', async () => {
    const org = await gw.organization();
    const [a, b, c, d] = [
      await gw.device(org),
      await gw.device(org),
      await gw.device(org),
      await gw.device(org),
    ];
    const big = await gw.associated(org, a, 'SPC-1YR-150-LIC');
    // A license that can be shared is a pool from its association: the gateway holds what it leases.
    expect(await seats(a)).toBe(2);
    const shared = value(await shareLicense(gw.ctx, gw.owner, big.id, [b, c]));
    expect(shared.replicas).toEqual([b, c].sort());
    expectRefusal(await shareLicense(gw.ctx, gw.owner, big.id, [d]), 'share_limit_reached');
    expectRefusal(await shareLicense(gw.ctx, gw.owner, big.id, [b]), 'already_bound_to_device');
    const hundred = await gw.associated(org, d, 'SPC-1YR-100-LIC');
    expectRefusal(await shareLicense(gw.ctx, gw.owner, hundred.id, [a]), 'license_not_shareable');
    expect([await seats(a), await seats(b), await seats(c)]).toEqual([2, 2, 2]);
    const page = value(await showDevice(gw.ctx, gw.owner, b));
    expect(page.licenses).toMatchObject([{ role: 'replica', license: { id: big.id } }]);
    expectRefusal(await undoAssociation(gw.ctx, gw.owner, big.id), 'license_shared');
    expect(value(await undoShare(gw.ctx, gw.owner, big.id, c)).replicas).toEqual([b]);
    expectRefusal(await undoShare(gw.ctx, gw.owner, big.id, c), 'replica_not_found');
    expectRefusal(await undoShare(gw.ctx, gw.owner, big.id, a), 'replica_not_found');
    value(await shareLicense(gw.ctx, gw.owner, big.id, [d]));
    const other = await gw.organization('Branch');
    const elsewhere = await gw.device(other);
    expectRefusal(await shareLicense(gw.ctx, gw.owner, big.id, [elsewhere]), 'device_not_in_organization');
  });

  it('never binds a 4th gateway when two shares race', async () => {
    const org = await gw.organization();
    const [a, b, c] = [await gw.device(org), await gw.device(org), await gw.device(org)];
    const big = await gw.associated(org, a, 'SPC-1YR-150-LIC');
    const raced = await Promise.all([
      shareLicense(gw.ctx, gw.owner, big.id, [b, c]),
      shareLicense(gw.ctx, gw.owner, big.id, [c]),
      shareLicense(gw.ctx, gw.owner, big.id, [b]),
    ]);
    expect(raced.filter((result) => result.ok).length).toBeGreaterThanOrEqual(1);
    const replicas = await gw.ctx.store.db.selectFrom('gateway_replicas').selectAll().execute();
    expect(replicas.map((replica) => replica.device_id).sort()).toEqual([b, c].sort());
  });

  it('moves an unassociated license, and a device with all its licenses, keeping every seat count', async () => {
    const head = await gw.organization('Head office');
    const branch = await gw.organization('Branch');
    const esg = await gw.device(head);
    await gw.associated(head, esg, 'SPC-1YR-LIC');
    const on = await gw.associated(head, esg, 'SPC-3YR-LIC');
    const [spare] = await gw.licenses(head, 'SPC-1YR-LIC');
    if (spare === undefined) throw new Error('no spare license');
    expectRefusal(await moveLicense(gw.ctx, gw.owner, on.id, branch), 'license_associated');
    expect(value(await moveLicense(gw.ctx, gw.owner, spare, branch)).organizationId).toBe(branch);
    const moved = value(await moveDevice(gw.ctx, gw.owner, esg, branch));
    expect(moved).toMatchObject({ organizationId: branch, vpnSeats: 32 });
    expect(value(await listLicenses(gw.ctx, gw.owner, branch)).map((l) => l.id)).toHaveLength(3);
    expect(value(await listLicenses(gw.ctx, gw.owner, head))).toEqual([]);
    expect(await seats(esg)).toBe(32);
    expectRefusal(await moveDevice(gw.ctx, gw.owner, esg, branch), 'validation_failed');
  });

  it('replaces a failed gateway: its licenses and replicas go to the new one, the old counts nothing', async () => {
    const org = await gw.organization();
    const [failed, fresh, other] = [await gw.device(org), await gw.device(org), await gw.device(org)];
    await gw.associated(org, failed, 'SPC-1YR-LIC');
    await gw.associated(org, failed, 'SPC-3YR-LIC');
    const big = await gw.associated(org, other, 'SPC-1YR-150-LIC');
    value(await shareLicense(gw.ctx, gw.owner, big.id, [failed]));
    const page = value(await replaceDevice(gw.ctx, gw.owner, failed, fresh));
    expect(page.secupointVpnClient.maximum).toBe(32);
    expect(page.licenses.map((bound) => [bound.license.sku, bound.role])).toEqual([
      ['SPC-1YR-LIC', 'own'],
      ['SPC-3YR-LIC', 'own'],
      ['SPC-1YR-150-LIC', 'replica'],
    ]);
    const old = value(await showDevice(gw.ctx, gw.owner, failed));
    expect(old.device).toMatchObject({ replacedBy: fresh, vpnSeats: 0 });
    expect(old.licenses).toEqual([]);
    expectRefusal(await replaceDevice(gw.ctx, gw.owner, failed, fresh), 'device_replaced');
    expectRefusal(await replaceDevice(gw.ctx, gw.owner, fresh, fresh), 'replacement_same_device');
    const [spare] = await gw.licenses(org, 'SPC-1YR-LIC');
    expectRefusal(await associateLicense(gw.ctx, gw.owner, spare ?? '', failed), 'device_replaced');
  });

  it('refuses a device with a MAC or serial number that is not one, and a second device with the same MAC', async () => {
    const org = await gw.organization();
    const input = { name: 'ESG', model: 'ESG510', serialNumber: 'ESG5100099', mac: '88:DC:96:00:00:99' };
    expectRefusal(await registerDevice(gw.ctx, gw.owner, org, { ...input, mac: 'zz' }), 'validation_failed');
    expectRefusal(
      await registerDevice(gw.ctx, gw.owner, org, { ...input, serialNumber: 'x' }),
      'validation_failed',
    );
    value(await registerDevice(gw.ctx, gw.owner, org, input));
    expectRefusal(
      await registerDevice(gw.ctx, gw.owner, org, {
        ...input,
        serialNumber: 'ESG5100100',
        mac: '88-dc-96-00-00-99',
      }),
      'device_taken',
    );
  });

  it('lets only the organization’s administrators manage it; another account finds nothing', async () => {
    const org = await gw.organization();
    const member: Principal = {
      kind: 'account',
      userId: 'usr_member',
      accountId: gw.owner.accountId,
      role: 'member',
    };
    expectRefusal(await inventory(gw.ctx, member, org), 'organization_not_administered');
    const stranger = value(await createAccount(gw.ctx, { email: 'stranger@example.com' }));
    const outsider: Principal = {
      kind: 'account',
      userId: 'usr_x',
      accountId: stranger.account.id,
      role: 'owner',
    };
    expectRefusal(await inventory(gw.ctx, outsider, org), 'organization_not_found');
    expect(await listOrganizations(gw.ctx, outsider)).toEqual([]);
    const users = await gw.ctx.store.db
      .selectFrom('users')
      .select('id')
      .where('account_id', '=', gw.owner.accountId)
      .execute();
    const ownerUser = users[0]?.id ?? '';
    expect(value(await addOrganizationAdmin(gw.ctx, gw.owner, org, ownerUser)).admins).toEqual([ownerUser]);
    expectRefusal(await addOrganizationAdmin(gw.ctx, gw.owner, org, 'usr_nobody'), 'validation_failed');
  });

  it('heads the device list with the earliest expiry, expired devices and those expiring within 30 days', async () => {
    const org = await gw.organization();
    const [a, b] = [await gw.device(org), await gw.device(org)];
    await gw.device(org);
    await gw.associated(org, a, 'SPC-1YR-LIC');
    gw.clock.advance(20 * DAY);
    await gw.associated(org, b, 'SPC-3YR-LIC');
    gw.clock.advance(340 * DAY);
    const list = value(await inventory(gw.ctx, gw.owner, org));
    expect(list.summary).toEqual({
      earliestExpiry: '2027-01-10T09:00:00.000Z',
      expired: 0,
      expiringWithin30Days: 1,
    });
    expect(list.devices.map((device) => device.licenseStatus)).toEqual(['expiring', 'active', 'inactive']);
  });
});
