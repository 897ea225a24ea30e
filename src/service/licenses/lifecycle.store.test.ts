import { describe, expect, it } from 'vitest';
import { DAY } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { accountWithKey, machine, nonce } from '../../../test/support/factories.js';
import { keyLifecycleFixture } from '../../../test/support/key-lifecycle.js';
import { refresh } from '../activation/operations.js';
import { auditTrail } from '../audit/log.js';
import { refundKey } from '../orders/refunds.js';
import { renewLicenses, replaceLicense, splitLicense } from './lifecycle.js';
import { findLicense, type LicenseView } from './operations.js';

describe.each(ENGINES)('the life of a fixed key: renewal, refund, split, replacement on %s', (engine) => {
  const keys = keyLifecycleFixture(engine);
  const { actor, activated, snapshot } = keys;

  describe('renewal', () => {
    it('in advance adds the years after the current expiration date', async () => {
      const { license } = await accountWithKey(keys.ctx);
      keys.clock.advance(200 * DAY);
      const renewed = await renewLicenses(keys.ctx, { licenseIds: [license.id], years: 2, actor });
      expect(renewed.ok && renewed.value[0]).toMatchObject({
        starts: '2026-11-23T12:00:00.000Z',
        ends: '2029-11-23T12:00:00.000Z',
        termYears: 3,
        status: 'not_activated',
      });
    });

    it('after expiry starts the new term on the renewal date, and the key counts again', async () => {
      const { license } = await accountWithKey(keys.ctx);
      keys.clock.advance(400 * DAY);
      expect((await findLicense(keys.ctx, license.id))?.status).toBe('expired');
      expect((await activated(license, '1')).ok).toBe(false);
      const renewed = await renewLicenses(keys.ctx, { licenseIds: [license.id], years: 1, actor });
      expect(renewed.ok && renewed.value[0]).toMatchObject({
        starts: '2027-12-28T12:00:00.000Z',
        ends: '2028-12-28T12:00:00.000Z',
        termYears: 1,
      });
      const certified = await activated(license, '1');
      expect(certified.ok && certified.value.certificate.payload.starts).toBe('2027-12-28T12:00:00.000Z');
    });

    it('renews several keys in one operation, and none of them when one cannot be renewed', async () => {
      const [a, b, c] = [
        await accountWithKey(keys.ctx),
        await accountWithKey(keys.ctx),
        await accountWithKey(keys.ctx),
      ];
      const both = await renewLicenses(keys.ctx, {
        licenseIds: [a.license.id, b.license.id],
        years: 1,
        actor,
      });
      expect(both.ok && both.value.map((view) => view.ends)).toEqual([
        '2028-11-23T12:00:00.000Z',
        '2028-11-23T12:00:00.000Z',
      ]);
      expect((await refundKey(keys.ctx, { licenseId: c.license.id, actor })).ok).toBe(true);
      const before = await snapshot(a.license.id);
      const refused = await renewLicenses(keys.ctx, {
        licenseIds: [a.license.id, c.license.id],
        years: 1,
        actor,
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
      expect(await snapshot(a.license.id)).toEqual(before);
      const unknown = await renewLicenses(keys.ctx, {
        licenseIds: ['lic_01kax5c1x8b2m4n6p8r0s2t4v6'],
        years: 1,
        actor,
      });
      expect(unknown).toMatchObject({ ok: false, error: { code: 'license_not_found' } });
    });
  });

  describe('refund', () => {
    it('revokes a key never activated, within 30 days; it can never be activated afterwards', async () => {
      const { license } = await accountWithKey(keys.ctx);
      keys.clock.advance(29 * DAY);
      const refunded = await refundKey(keys.ctx, { licenseId: license.id, actor });
      expect(refunded.ok && refunded.value).toMatchObject({ status: 'revoked', endedReason: 'refunded' });
      expect(await activated(license, '2')).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
      const trail = await auditTrail(keys.ctx, { entityId: license.id });
      expect(trail.map((entry) => entry.action)).toEqual(['issued', 'refunded']);
      expect(trail[1]).toMatchObject({
        actor,
        before: { revokedAt: null },
        after: { endedReason: 'refunded' },
      });
    });

    it('is refused for an activated key and after 30 days, changing nothing', async () => {
      const { license } = await accountWithKey(keys.ctx);
      expect((await activated(license, '3')).ok).toBe(true);
      const before = await snapshot(license.id);
      expect(await refundKey(keys.ctx, { licenseId: license.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'license_activated' },
      });
      expect(await snapshot(license.id)).toEqual(before);
      const late = (await accountWithKey(keys.ctx)).license;
      keys.clock.advance(30 * DAY);
      const lateBefore = await snapshot(late.id);
      expect(await refundKey(keys.ctx, { licenseId: late.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'refund_period_over' },
      });
      expect(await snapshot(late.id)).toEqual(lateBefore);
    });
  });

  describe('split', () => {
    it('makes keys that add up to the original, with its term; the original is retired', async () => {
      const { license } = await accountWithKey(keys.ctx, { connections: 10, years: 2 });
      keys.clock.advance(100 * DAY);
      const split = await splitLicense(keys.ctx, { licenseId: license.id, parts: [3, 7], actor });
      if (!split.ok) throw new Error(split.error.detail);
      expect(split.value.original).toMatchObject({ status: 'revoked', endedReason: 'split' });
      expect(split.value.keys.map((key) => key.connections)).toEqual([3, 7]);
      for (const key of split.value.keys) {
        expect(key).toMatchObject({
          starts: license.starts,
          ends: license.ends,
          termYears: 2,
          parentId: license.id,
        });
        expect(key.key).not.toBe(license.key);
      }
      expect(await activated(license, '4')).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
      expect((await activated(split.value.keys[0] as LicenseView, '5')).ok).toBe(true);
      expect((await auditTrail(keys.ctx, { entityId: license.id })).map((entry) => entry.action)).toEqual([
        'issued',
        'split',
      ]);
    });

    it('is refused for an activated key and for parts that do not add up, changing nothing', async () => {
      const { license } = await accountWithKey(keys.ctx, { connections: 10 });
      const before = await snapshot(license.id);
      expect(await splitLicense(keys.ctx, { licenseId: license.id, parts: [3, 6], actor })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', field: 'parts' },
      });
      expect((await activated(license, '6')).ok).toBe(true);
      const activatedBefore = await snapshot(license.id);
      expect(await splitLicense(keys.ctx, { licenseId: license.id, parts: [5, 5], actor })).toMatchObject({
        ok: false,
        error: { code: 'license_activated' },
      });
      expect(await snapshot(license.id)).toEqual(activatedBefore);
      expect(before.trail).toHaveLength(1);
    });
  });

  describe('the license replacement program', () => {
    it('issues a new key within the term; the old one works on its machine for 7 more days, then stops', async () => {
      const { license } = await accountWithKey(keys.ctx, { connections: 25 });
      const first = await activated(license, '8');
      expect(first.ok).toBe(true);
      keys.clock.advance(100 * DAY);
      const replaced = await replaceLicense(keys.ctx, { licenseId: license.id, actor });
      if (!replaced.ok) throw new Error(replaced.error.detail);
      expect(replaced.value.replacement).toMatchObject({
        connections: 25,
        starts: license.starts,
        ends: license.ends,
        parentId: license.id,
        status: 'not_activated',
      });
      expect(replaced.value.original).toMatchObject({ status: 'active', endedReason: 'replaced' });
      // Its certificates never outlive the week; another server cannot take it meanwhile.
      const renewedCertificate = await refresh(keys.ctx, {
        key: license.key,
        serverId: `srv_01kax5c1x8b2m4n6p8r0s2t008`,
        fingerprint: machine('8'),
        nonce: nonce(),
      });
      expect(renewedCertificate.ok && renewedCertificate.value.certificate.payload.expiresAt).toBe(
        new Date(keys.clock.now().getTime() + 7 * DAY).toISOString(),
      );
      expect(await activated(license, '9')).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
      expect((await activated(replaced.value.replacement, '10')).ok).toBe(true);
      keys.clock.advance(7 * DAY);
      expect((await findLicense(keys.ctx, license.id))?.status).toBe('revoked');
      expect(
        await refresh(keys.ctx, {
          key: license.key,
          serverId: `srv_01kax5c1x8b2m4n6p8r0s2t008`,
          fingerprint: machine('8'),
          nonce: nonce(),
        }),
      ).toMatchObject({
        ok: false,
        error: { code: 'license_revoked' },
      });
    });

    it('lets the old key’s own server activate it again during the overlap week, and no other', async () => {
      const { license } = await accountWithKey(keys.ctx);
      expect((await activated(license, '16')).ok).toBe(true);
      expect((await replaceLicense(keys.ctx, { licenseId: license.id, actor })).ok).toBe(true);
      keys.clock.advance(3 * DAY);
      const again = await activated(license, '16');
      expect(again.ok && again.value).toMatchObject({
        created: false,
        certificate: { payload: { expiresAt: new Date(keys.clock.now().getTime() + 4 * DAY).toISOString() } },
      });
      expect(await activated(license, '17')).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
      keys.clock.advance(4 * DAY);
      expect(await activated(license, '16')).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
    });

    it('is refused for a legacy key past its term too: its term still decides replacements', async () => {
      const { license } = await accountWithKey(keys.ctx, { legacy: true });
      expect((await activated(license, '14')).ok).toBe(true);
      keys.clock.advance(366 * DAY);
      expect(await replaceLicense(keys.ctx, { licenseId: license.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'support_term_over' },
      });
    });

    it('is refused after the support term: a new key must be bought; nothing changes', async () => {
      const { license } = await accountWithKey(keys.ctx);
      expect((await activated(license, '11')).ok).toBe(true);
      keys.clock.advance(366 * DAY);
      const before = await snapshot(license.id);
      expect(await replaceLicense(keys.ctx, { licenseId: license.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'support_term_over', detail: expect.stringMatching(/new key must be bought/) },
      });
      expect(await snapshot(license.id)).toEqual(before);
    });
  });
});
