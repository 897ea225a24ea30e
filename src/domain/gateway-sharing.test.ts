import { describe, expect, it } from 'vitest';
import type { GatewayDevice, Replica } from './gateway-inventory.js';
import { licenseTerm } from './gateway-license.js';
import {
  checkShare,
  checkUndoShare,
  isPooled,
  MAX_SHARING_GATEWAYS,
  type ShareableLicense,
  sharedLicensePool,
  shareLease,
} from './gateway-sharing.js';

const at = (iso: string): Date => new Date(iso);
const NOW = at('2026-06-01T00:00:00.000Z');

const errorOf = <T>(
  result: { ok: true; value: T } | { ok: false; error: { code: string; field?: string } },
) => (result.ok ? undefined : result.error.code);

const device = (deviceId: string, organizationId = 'org_a'): GatewayDevice => ({
  deviceId,
  organizationId,
  replaced: false,
});

const license = (overrides: Partial<ShareableLicense> = {}): ShareableLicense => ({
  licenseId: 'lic_big',
  organizationId: 'org_a',
  deviceId: 'dev_1',
  kind: 'secupoint',
  users: 150,
  term: licenseTerm({ termYears: 1 }, at('2026-03-10T09:30:00.000Z')),
  ...overrides,
});

const replica = (deviceId: string, licenseId = 'lic_big'): Replica => ({ licenseId, deviceId });

describe('sharing a license across gateways', () => {
  it('binds a 150-user license to 2 more gateways, 3 in all with its owner', () => {
    expect(MAX_SHARING_GATEWAYS).toBe(3);
    expect(checkShare(license(), [], [device('dev_2'), device('dev_3')], NOW)).toEqual({
      ok: true,
      value: [replica('dev_2'), replica('dev_3')],
    });
    expect(checkShare(license(), [replica('dev_2')], [device('dev_3')], NOW)).toEqual({
      ok: true,
      value: [replica('dev_3')],
    });
  });

  it('refuses a 4th gateway, whether chosen with the others or later', () => {
    expect(errorOf(checkShare(license(), [replica('dev_2'), replica('dev_3')], [device('dev_4')], NOW))).toBe(
      'share_limit_reached',
    );
    expect(errorOf(checkShare(license(), [], [device('dev_2'), device('dev_3'), device('dev_4')], NOW))).toBe(
      'share_limit_reached',
    );
    // Replicas of other licenses take no place.
    expect(
      checkShare(license(), [replica('dev_2'), replica('dev_3', 'lic_other')], [device('dev_3')], NOW).ok,
    ).toBe(true);
  });

  it('refuses a license of 100 users or fewer, and a Pro license', () => {
    expect(errorOf(checkShare(license({ users: 100 }), [], [device('dev_2')], NOW))).toBe(
      'license_not_shareable',
    );
    expect(errorOf(checkShare(license({ users: 20 }), [], [device('dev_2')], NOW))).toBe(
      'license_not_shareable',
    );
    expect(checkShare(license({ users: 101 }), [], [device('dev_2')], NOW).ok).toBe(true);
    expect(errorOf(checkShare(license({ kind: 'pro', users: 0 }), [], [device('dev_2')], NOW))).toBe(
      'license_not_shareable',
    );
  });

  it('refuses a gateway of another organization, a replaced one, the owner and a gateway bound already', () => {
    expect(errorOf(checkShare(license(), [], [device('dev_9', 'org_b')], NOW))).toBe(
      'device_not_in_organization',
    );
    expect(errorOf(checkShare(license(), [], [{ ...device('dev_2'), replaced: true }], NOW))).toBe(
      'device_replaced',
    );
    expect(errorOf(checkShare(license(), [], [device('dev_1')], NOW))).toBe('already_bound_to_device');
    expect(errorOf(checkShare(license(), [replica('dev_2')], [device('dev_2')], NOW))).toBe(
      'already_bound_to_device',
    );
    expect(errorOf(checkShare(license(), [], [device('dev_2'), device('dev_2')], NOW))).toBe(
      'already_bound_to_device',
    );
  });

  it('refuses an unassociated license, an expired one, and an empty choice', () => {
    expect(errorOf(checkShare(license({ deviceId: null }), [], [device('dev_2')], NOW))).toBe(
      'license_not_associated',
    );
    const ended = license().term?.ends ?? NOW;
    expect(errorOf(checkShare(license(), [], [device('dev_2')], ended))).toBe('license_expired');
    expect(errorOf(checkShare(license(), [], [], NOW))).toBe('validation_failed');
  });
});

describe('undoing a replica', () => {
  const replicas = [replica('dev_2'), replica('dev_3'), replica('dev_2', 'lic_other')];

  it('unbinds the replica on that gateway, and then a third gateway fits again', () => {
    expect(checkUndoShare(license(), replicas, 'dev_3')).toEqual({ ok: true, value: replica('dev_3') });
    expect(checkShare(license(), [replica('dev_2')], [device('dev_4')], NOW).ok).toBe(true);
  });

  it('refuses the owner and a gateway without a replica of this license', () => {
    const owner = checkUndoShare(license(), replicas, 'dev_1');
    expect(errorOf(owner)).toBe('replica_not_found');
    expect(!owner.ok && owner.error.detail).toContain('owns the license');
    expect(errorOf(checkUndoShare(license(), replicas, 'dev_4'))).toBe('replica_not_found');
    expect(errorOf(checkUndoShare(license({ licenseId: 'lic_third' }), replicas, 'dev_2'))).toBe(
      'replica_not_found',
    );
  });
});

describe('the shared pool', () => {
  const pool = sharedLicensePool(license(), [
    replica('dev_2'),
    replica('dev_3'),
    replica('dev_5', 'lic_other'),
  ]);

  it('has the license’s users as seats, in lease mode, with the owner and its replicas as members', () => {
    expect(pool).toEqual({
      licenseId: 'lic_big',
      seats: 150,
      mode: 'lease',
      members: ['dev_1', 'dev_2', 'dev_3'],
    });
  });

  it('never leases more than 150 seats over the three gateways together', () => {
    const leases = new Map<string, number>();
    leases.set('dev_1', shareLease(pool, leases, 'dev_1', 100));
    leases.set('dev_2', shareLease(pool, leases, 'dev_2', 40));
    leases.set('dev_3', shareLease(pool, leases, 'dev_3', 40));
    expect([...leases.values()]).toEqual([100, 40, 10]);
    expect([...leases.values()].reduce((a, b) => a + b, 0)).toBe(150);
    // A member may shrink, and what it frees goes to the others.
    leases.set('dev_1', shareLease(pool, leases, 'dev_1', 60));
    expect(shareLease(pool, leases, 'dev_3', 50)).toBe(50);
  });

  it('leases nothing to a gateway outside the pool, and counts a former member’s live lease', () => {
    const leases = new Map([
      ['dev_9', 100],
      ['dev_2', 30],
    ]);
    expect(shareLease(pool, leases, 'dev_9', 10)).toBe(0);
    // dev_9 left the pool, but its signed lease runs until its end: only 20 are free.
    expect(shareLease(pool, leases, 'dev_1', 150)).toBe(20);
  });

  it('pools a SecuPoint license of more than 100 users from its association, and no other', () => {
    expect(isPooled({ kind: 'secupoint', users: 101 })).toBe(true);
    expect(isPooled({ kind: 'secupoint', users: 100 })).toBe(false);
    expect(isPooled({ kind: 'pro', users: 0 })).toBe(false);
  });
});
