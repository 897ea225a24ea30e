import { describe, expect, it } from 'vitest';
import type { GatewayDevice, LicenseHolding } from './gateway-inventory.js';
import { licenseTerm } from './gateway-license.js';
import {
  type Association,
  associationStatus,
  type BoundTerm,
  checkAssociate,
  checkUndo,
  type DeviceStanding,
  deviceStanding,
  fleetSummary,
  licenseReminderDue,
  mergesAt,
} from './gateway-lifecycle.js';
import { addDays, DAY_MS } from './terms.js';

const at = (iso: string): Date => new Date(iso);
const plusMs = (instant: Date, ms: number): Date => new Date(instant.getTime() + ms);

const errorOf = <T>(
  result: { ok: true; value: T } | { ok: false; error: { code: string; field?: string } },
) => (result.ok ? undefined : result.error.code);

const ASSOCIATED = at('2026-03-10T09:30:00.000Z');
const MERGES = at('2026-03-17T09:30:00.000Z');

const association = (licenseId: string, associatedAt: Date, undoneAt: Date | null = null): Association => ({
  licenseId,
  deviceId: 'dev_esg1',
  associatedAt,
  undoneAt,
});

describe('an association’s undo week', () => {
  it('is Merging for exactly 7 × 24 hours from the association, then Merged', () => {
    expect(mergesAt(ASSOCIATED)).toEqual(MERGES);
    expect(associationStatus(ASSOCIATED, ASSOCIATED)).toBe('merging');
    expect(associationStatus(ASSOCIATED, plusMs(MERGES, -1))).toBe('merging');
    expect(associationStatus(ASSOCIATED, MERGES)).toBe('merged');
  });

  it('allows an undo up to the last millisecond of the 7 days, and refuses it at their end', () => {
    const a = association('lic_a', ASSOCIATED);
    expect(checkUndo(a, [a], ASSOCIATED).ok).toBe(true);
    expect(checkUndo(a, [a], plusMs(MERGES, -1)).ok).toBe(true);
    const refused = checkUndo(a, [a], MERGES);
    expect(errorOf(refused)).toBe('license_merged');
    expect(!refused.ok && refused.error.detail).toContain('2026-03-17');
    expect(errorOf(checkUndo(a, [a], addDays(MERGES, 300)))).toBe('license_merged');
  });

  it('refuses to undo an association twice, and while the license is shared', () => {
    const undone = association('lic_a', ASSOCIATED, addDays(ASSOCIATED, 1));
    expect(errorOf(checkUndo(undone, [undone], addDays(ASSOCIATED, 2)))).toBe('license_not_associated');
    const a = association('lic_a', ASSOCIATED);
    expect(errorOf(checkUndo(a, [a], addDays(ASSOCIATED, 2), 1))).toBe('license_shared');
    expect(checkUndo(a, [a], addDays(ASSOCIATED, 2), 0).ok).toBe(true);
  });

  describe('more than two licenses associated with one device within 7 days: only one can be disassociated', () => {
    const a = association('lic_a', ASSOCIATED);
    const b = association('lic_b', addDays(ASSOCIATED, 1));
    const c = association('lic_c', addDays(ASSOCIATED, 2));
    const now = addDays(ASSOCIATED, 3);

    it('lets any one of three be undone, and no second', () => {
      for (const one of [a, b, c]) expect(checkUndo(one, [a, b, c], now).ok).toBe(true);
      const aUndone = { ...a, undoneAt: now };
      const refused = checkUndo(b, [aUndone, b, c], plusMs(now, 1));
      expect(errorOf(refused)).toBe('undo_limit_reached');
      expect(!refused.ok && refused.error.detail).toContain('3 licenses');
      expect(errorOf(checkUndo(c, [aUndone, b, c], plusMs(now, 1)))).toBe('undo_limit_reached');
    });

    it('lets both of two be undone', () => {
      const aUndone = { ...a, undoneAt: now };
      expect(checkUndo(b, [aUndone, b], plusMs(now, 1)).ok).toBe(true);
    });

    it('counts a re-association and associations of another device apart', () => {
      const aUndone = { ...a, undoneAt: addDays(ASSOCIATED, 0.5) };
      const again = association('lic_a', addDays(ASSOCIATED, 1.5));
      // lic_a twice and lic_b: three associations within the week, one undone already.
      expect(errorOf(checkUndo(b, [aUndone, again, b], now))).toBe('undo_limit_reached');
      const elsewhere = { ...c, deviceId: 'dev_esg2', undoneAt: now };
      expect(checkUndo(b, [a, b, elsewhere], plusMs(now, 1)).ok).toBe(true);
    });

    it('stops counting an association once its own week is over', () => {
      const aUndone = { ...a, undoneAt: addDays(ASSOCIATED, 1) };
      // At a's merge instant a leaves the week: b and c remain, so b may still be undone.
      expect(errorOf(checkUndo(b, [aUndone, b, c], plusMs(MERGES, -1)))).toBe('undo_limit_reached');
      expect(checkUndo(b, [aUndone, b, c], MERGES).ok).toBe(true);
    });

    it('ignores associations recorded after the instant judged', () => {
      const future = association('lic_d', addDays(now, 1), addDays(now, 1));
      expect(checkUndo(b, [a, b, future], now).ok).toBe(true);
    });
  });
});

describe('checkAssociate', () => {
  const device: GatewayDevice = { deviceId: 'dev_esg1', organizationId: 'org_a', replaced: false };
  const license = (overrides: Partial<LicenseHolding & { activatedAt: Date | null }> = {}) => ({
    licenseId: 'lic_a',
    organizationId: 'org_a',
    deviceId: null,
    activatedAt: null,
    termYears: 1,
    ...overrides,
  });

  it('activates a license at its first association', () => {
    expect(checkAssociate(license(), device, ASSOCIATED)).toEqual({
      ok: true,
      value: { activatedAt: ASSOCIATED, associatedAt: ASSOCIATED },
    });
  });

  it('keeps the activation date of a license associated before and undone: its term kept running', () => {
    const first = at('2026-01-01T00:00:00.000Z');
    expect(checkAssociate(license({ activatedAt: first }), device, ASSOCIATED)).toEqual({
      ok: true,
      value: { activatedAt: first, associatedAt: ASSOCIATED },
    });
  });

  it('refuses an associated license, a device of another organization, a replaced device, an expired license', () => {
    expect(errorOf(checkAssociate(license({ deviceId: 'dev_esg2' }), device, ASSOCIATED))).toBe(
      'license_associated',
    );
    expect(errorOf(checkAssociate(license(), { ...device, organizationId: 'org_b' }, ASSOCIATED))).toBe(
      'device_not_in_organization',
    );
    expect(errorOf(checkAssociate(license(), { ...device, replaced: true }, ASSOCIATED))).toBe(
      'device_replaced',
    );
    const activatedAt = at('2025-03-10T09:30:00.000Z');
    expect(errorOf(checkAssociate(license({ activatedAt }), device, ASSOCIATED))).toBe('license_expired');
    expect(checkAssociate(license({ activatedAt }), device, plusMs(ASSOCIATED, -1)).ok).toBe(true);
  });
});

describe('a device’s license status', () => {
  const spc = (activatedAt: Date, termYears = 1, associatedAt: Date | null = activatedAt): BoundTerm => ({
    kind: 'secupoint',
    term: licenseTerm({ termYears }, activatedAt),
    associatedAt,
  });
  const ends = at('2027-03-10T09:30:00.000Z');

  it('is Inactive with no license', () => {
    expect(deviceStanding([], ASSOCIATED)).toEqual({ status: 'inactive', expiresAt: null, merging: false });
  });

  it('is Active, Merging in its first week, until 30 days before its last license ends', () => {
    const one = [spc(ASSOCIATED)];
    expect(deviceStanding(one, ASSOCIATED)).toEqual({ status: 'active', expiresAt: ends, merging: true });
    expect(deviceStanding(one, MERGES).merging).toBe(false);
    expect(deviceStanding(one, plusMs(ends, -30 * DAY_MS - 1)).status).toBe('active');
  });

  it('is Expiring from exactly 30 days before the end, and Expired at the end', () => {
    const one = [spc(ASSOCIATED)];
    expect(deviceStanding(one, plusMs(ends, -30 * DAY_MS)).status).toBe('expiring');
    expect(deviceStanding(one, plusMs(ends, -1))).toEqual({
      status: 'expiring',
      expiresAt: ends,
      merging: false,
    });
    expect(deviceStanding(one, ends)).toEqual({ status: 'expired', expiresAt: ends, merging: false });
  });

  it('looks at the last license to end: a 3-year license keeps a device Active past the 1-year one', () => {
    const both = [spc(ASSOCIATED), spc(ASSOCIATED, 3)];
    const threeYears = at('2029-03-10T09:30:00.000Z');
    expect(deviceStanding(both, plusMs(ends, -DAY_MS))).toMatchObject({
      status: 'active',
      expiresAt: threeYears,
    });
    expect(deviceStanding(both, ends)).toMatchObject({ status: 'active', expiresAt: threeYears });
    expect(deviceStanding(both, threeYears)).toMatchObject({ status: 'expired', expiresAt: threeYears });
  });

  it('keeps a gateway’s VPN status apart from its Pro license, which has a status of its own', () => {
    const pro: BoundTerm = {
      kind: 'pro',
      term: licenseTerm({ termYears: 1 }, at('2025-01-01T00:00:00.000Z')),
      associatedAt: null,
    };
    const now = at('2026-06-01T00:00:00.000Z');
    expect(deviceStanding([pro, spc(ASSOCIATED)], now).status).toBe('active');
    expect(deviceStanding([pro], now).status).toBe('inactive');
    expect(deviceStanding([pro, spc(ASSOCIATED)], now, 'pro').status).toBe('expired');
  });

  it('does not call a replica Merging', () => {
    expect(deviceStanding([spc(ASSOCIATED, 1, null)], ASSOCIATED).merging).toBe(false);
  });
});

describe('the device list’s header', () => {
  const standing = (status: DeviceStanding['status'], expiresAt: string | null): DeviceStanding => ({
    status,
    expiresAt: expiresAt === null ? null : at(expiresAt),
    merging: false,
  });

  it('gives the earliest expiry of licensed devices, the expired ones and the ones expiring within 30 days', () => {
    expect(
      fleetSummary([
        standing('active', '2027-05-01T00:00:00.000Z'),
        standing('expiring', '2026-07-01T00:00:00.000Z'),
        standing('expiring', '2026-06-20T00:00:00.000Z'),
        standing('expired', '2026-01-01T00:00:00.000Z'),
        standing('inactive', null),
      ]),
    ).toEqual({ earliestExpiry: at('2026-06-20T00:00:00.000Z'), expired: 1, expiringWithin30Days: 2 });
  });

  it('has no earliest expiry without a licensed device', () => {
    expect(fleetSummary([])).toEqual({ earliestExpiry: null, expired: 0, expiringWithin30Days: 0 });
    expect(fleetSummary([standing('expired', '2026-01-01T00:00:00.000Z')]).earliestExpiry).toBeNull();
  });
});

describe('expiry notices', () => {
  const term = licenseTerm({ termYears: 1 }, ASSOCIATED);
  const daysBeforeEnd = (days: number) => plusMs(term.ends, -days * DAY_MS);

  it('come 60, 30 and 3 days before a license ends, by the rule keys use', () => {
    expect(licenseReminderDue(term, plusMs(daysBeforeEnd(60), -1))).toBeUndefined();
    expect(licenseReminderDue(term, daysBeforeEnd(60))).toBe(60);
    expect(licenseReminderDue(term, daysBeforeEnd(30))).toBe(30);
    expect(licenseReminderDue(term, daysBeforeEnd(3))).toBe(3);
    expect(licenseReminderDue(term, term.ends)).toBeUndefined();
  });
});
