import { describe, expect, it } from 'vitest';
import type { GatewayDevice, LicenseHolding, Replica } from './gateway-inventory.js';
import { checkDeviceMove, checkLicenseMove, planReplacement } from './gateway-moves.js';

const errorOf = <T>(
  result: { ok: true; value: T } | { ok: false; error: { code: string; field?: string } },
) => (result.ok ? undefined : result.error.code);

const device = (deviceId: string, organizationId = 'org_a'): GatewayDevice => ({
  deviceId,
  organizationId,
  replaced: false,
});
const holding = (licenseId: string, deviceId: string | null, organizationId = 'org_a'): LicenseHolding => ({
  licenseId,
  organizationId,
  deviceId,
});
const replica = (licenseId: string, deviceId: string): Replica => ({ licenseId, deviceId });

const ADMIN_OF_BOTH = new Set(['org_a', 'org_b']);

describe('moving a license to another organization', () => {
  it('moves an unassociated license to an organization the user also administers', () => {
    expect(checkLicenseMove(holding('lic_a', null), 'org_b', ADMIN_OF_BOTH).ok).toBe(true);
  });

  it('refuses an organization the user does not administer, on either side', () => {
    expect(errorOf(checkLicenseMove(holding('lic_a', null), 'org_b', new Set(['org_a'])))).toBe(
      'organization_not_administered',
    );
    expect(errorOf(checkLicenseMove(holding('lic_a', null), 'org_b', new Set(['org_b'])))).toBe(
      'organization_not_administered',
    );
  });

  it('refuses an associated license alone, and a move to where it is', () => {
    const refused = checkLicenseMove(holding('lic_a', 'dev_1'), 'org_b', ADMIN_OF_BOTH);
    expect(errorOf(refused)).toBe('license_associated');
    expect(!refused.ok && refused.error.detail).toContain('move the device');
    expect(errorOf(checkLicenseMove(holding('lic_a', null), 'org_a', ADMIN_OF_BOTH))).toBe(
      'validation_failed',
    );
  });
});

describe('moving a device to another organization', () => {
  const holdings = [
    holding('lic_a', 'dev_1'),
    holding('lic_b', 'dev_1'),
    holding('lic_c', 'dev_2'),
    holding('lic_d', null),
  ];

  it('takes every license associated with it, and only those', () => {
    expect(checkDeviceMove(device('dev_1'), holdings, [], 'org_b', ADMIN_OF_BOTH)).toEqual({
      ok: true,
      value: ['lic_a', 'lic_b'],
    });
    expect(checkDeviceMove(device('dev_3'), holdings, [], 'org_b', ADMIN_OF_BOTH)).toEqual({
      ok: true,
      value: [],
    });
  });

  it('refuses while it owns a shared license or holds a replica, but not for others’ sharing', () => {
    expect(
      errorOf(
        checkDeviceMove(device('dev_1'), holdings, [replica('lic_a', 'dev_2')], 'org_b', ADMIN_OF_BOTH),
      ),
    ).toBe('license_shared');
    const holdsReplica = checkDeviceMove(
      device('dev_1'),
      holdings,
      [replica('lic_c', 'dev_1')],
      'org_b',
      ADMIN_OF_BOTH,
    );
    expect(errorOf(holdsReplica)).toBe('license_shared');
    expect(!holdsReplica.ok && holdsReplica.error.detail).toContain('holds a replica of license lic_c');
    expect(
      checkDeviceMove(device('dev_1'), holdings, [replica('lic_c', 'dev_3')], 'org_b', ADMIN_OF_BOTH).ok,
    ).toBe(true);
  });

  it('refuses a replaced device and an organization the user does not administer', () => {
    expect(
      errorOf(checkDeviceMove({ ...device('dev_1'), replaced: true }, holdings, [], 'org_b', ADMIN_OF_BOTH)),
    ).toBe('device_replaced');
    expect(errorOf(checkDeviceMove(device('dev_1'), holdings, [], 'org_b', new Set(['org_a'])))).toBe(
      'organization_not_administered',
    );
  });
});

describe('replacing a failed device', () => {
  it('moves all its licenses and its replicas to the replacement', () => {
    const holdings = [
      holding('lic_a', 'dev_old'),
      holding('lic_b', 'dev_old'),
      holding('lic_c', 'dev_other'),
    ];
    const replicas = [replica('lic_c', 'dev_old'), replica('lic_a', 'dev_third')];
    expect(planReplacement(device('dev_old'), device('dev_new'), holdings, replicas)).toEqual({
      ok: true,
      value: { licenses: ['lic_a', 'lic_b'], replicasMoved: ['lic_c'], replicasDropped: [] },
    });
  });

  it('never puts the replacement in one pool twice', () => {
    // The replacement held a replica of the failed device's license, and owned a license the failed device held a replica of.
    const holdings = [holding('lic_a', 'dev_old'), holding('lic_n', 'dev_new')];
    const replicas = [replica('lic_a', 'dev_new'), replica('lic_n', 'dev_old')];
    expect(planReplacement(device('dev_old'), device('dev_new'), holdings, replicas)).toEqual({
      ok: true,
      value: {
        licenses: ['lic_a'],
        replicasMoved: [],
        replicasDropped: [replica('lic_a', 'dev_new'), replica('lic_n', 'dev_old')],
      },
    });
  });

  it('drops the failed device’s replica when the replacement holds one of the same license', () => {
    const replicas = [replica('lic_x', 'dev_old'), replica('lic_x', 'dev_new')];
    expect(
      planReplacement(device('dev_old'), device('dev_new'), [holding('lic_x', 'dev_owner')], replicas),
    ).toEqual({
      ok: true,
      value: { licenses: [], replicasMoved: [], replicasDropped: [replica('lic_x', 'dev_old')] },
    });
  });

  it('refuses the failed device itself, a device of another organization and a replaced device', () => {
    expect(errorOf(planReplacement(device('dev_old'), device('dev_old'), [], []))).toBe(
      'replacement_same_device',
    );
    expect(errorOf(planReplacement(device('dev_old'), device('dev_new', 'org_b'), [], []))).toBe(
      'device_not_in_organization',
    );
    expect(
      errorOf(planReplacement({ ...device('dev_old'), replaced: true }, device('dev_new'), [], [])),
    ).toBe('device_replaced');
    const replacedReplacement = planReplacement(
      device('dev_old'),
      { ...device('dev_new'), replaced: true },
      [],
      [],
    );
    expect(!replacedReplacement.ok && replacedReplacement.error.field).toBe('replacementId');
  });
});
