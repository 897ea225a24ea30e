import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { accountWithKey, machine, nonce } from '../../../test/support/factories.js';
import { activate, refresh } from '../activation/operations.js';
import { auditTrail } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import {
  issueFailoverKey,
  refundLicense,
  renewLicenses,
  replaceLicense,
  splitLicense,
  transferLicenses,
} from './lifecycle.js';
import { findLicense, type LicenseView, listLicenses } from './operations.js';

describe.each(ENGINES)('the life of a fixed key on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;
  const actor = 'usr_staff';

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    ctx = await testContext(engine, clock);
  });
  afterEach(async () => ctx.cleanup());

  const activated = async (license: LicenseView, seed: string) => {
    const result = await activate(ctx, {
      key: license.key,
      serverId: `srv_01kax5c1x8b2m4n6p8r0s2t${seed.padStart(3, '0').slice(-3)}`,
      fingerprint: machine(seed),
      nonce: nonce(),
    });
    return result;
  };

  /** The key as stored, and its audit trail: what a refusal must leave untouched. */
  const snapshot = async (id: string) => ({
    license: await findLicense(ctx, id),
    trail: await auditTrail(ctx, { entityId: id }),
  });

  describe('renewal', () => {
    it('in advance adds the years after the current expiration date', async () => {
      const { license } = await accountWithKey(ctx);
      clock.advance(200 * DAY);
      const renewed = await renewLicenses(ctx, { licenseIds: [license.id], years: 2, actor });
      expect(renewed.ok && renewed.value[0]).toMatchObject({
        starts: '2026-11-23T12:00:00.000Z',
        ends: '2029-11-23T12:00:00.000Z',
        termYears: 3,
        status: 'not_activated',
      });
    });

    it('after expiry starts the new term on the renewal date, and the key counts again', async () => {
      const { license } = await accountWithKey(ctx);
      clock.advance(400 * DAY);
      expect((await findLicense(ctx, license.id))?.status).toBe('expired');
      expect((await activated(license, '1')).ok).toBe(false);
      const renewed = await renewLicenses(ctx, { licenseIds: [license.id], years: 1, actor });
      expect(renewed.ok && renewed.value[0]).toMatchObject({
        starts: '2027-12-28T12:00:00.000Z',
        ends: '2028-12-28T12:00:00.000Z',
        termYears: 1,
      });
      const certified = await activated(license, '1');
      expect(certified.ok && certified.value.certificate.payload.starts).toBe('2027-12-28T12:00:00.000Z');
    });

    it('renews several keys in one operation, and none of them when one cannot be renewed', async () => {
      const [a, b, c] = [await accountWithKey(ctx), await accountWithKey(ctx), await accountWithKey(ctx)];
      const both = await renewLicenses(ctx, { licenseIds: [a.license.id, b.license.id], years: 1, actor });
      expect(both.ok && both.value.map((view) => view.ends)).toEqual([
        '2028-11-23T12:00:00.000Z',
        '2028-11-23T12:00:00.000Z',
      ]);
      expect((await refundLicense(ctx, { licenseId: c.license.id, actor })).ok).toBe(true);
      const before = await snapshot(a.license.id);
      const refused = await renewLicenses(ctx, { licenseIds: [a.license.id, c.license.id], years: 1, actor });
      expect(refused).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
      expect(await snapshot(a.license.id)).toEqual(before);
      const unknown = await renewLicenses(ctx, {
        licenseIds: ['lic_01kax5c1x8b2m4n6p8r0s2t4v6'],
        years: 1,
        actor,
      });
      expect(unknown).toMatchObject({ ok: false, error: { code: 'license_not_found' } });
    });
  });

  describe('refund', () => {
    it('revokes a key never activated, within 30 days; it can never be activated afterwards', async () => {
      const { license } = await accountWithKey(ctx);
      clock.advance(29 * DAY);
      const refunded = await refundLicense(ctx, { licenseId: license.id, actor });
      expect(refunded.ok && refunded.value).toMatchObject({ status: 'revoked', endedReason: 'refunded' });
      expect(await activated(license, '2')).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
      const trail = await auditTrail(ctx, { entityId: license.id });
      expect(trail.map((entry) => entry.action)).toEqual(['issued', 'refunded']);
      expect(trail[1]).toMatchObject({
        actor,
        before: { revokedAt: null },
        after: { endedReason: 'refunded' },
      });
    });

    it('is refused for an activated key and after 30 days, changing nothing', async () => {
      const { license } = await accountWithKey(ctx);
      expect((await activated(license, '3')).ok).toBe(true);
      const before = await snapshot(license.id);
      expect(await refundLicense(ctx, { licenseId: license.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'license_activated' },
      });
      expect(await snapshot(license.id)).toEqual(before);
      const late = (await accountWithKey(ctx)).license;
      clock.advance(30 * DAY);
      const lateBefore = await snapshot(late.id);
      expect(await refundLicense(ctx, { licenseId: late.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'refund_period_over' },
      });
      expect(await snapshot(late.id)).toEqual(lateBefore);
    });
  });

  describe('split', () => {
    it('makes keys that add up to the original, with its term; the original is retired', async () => {
      const { license } = await accountWithKey(ctx, { connections: 10, years: 2 });
      clock.advance(100 * DAY);
      const split = await splitLicense(ctx, { licenseId: license.id, parts: [3, 7], actor });
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
      expect((await auditTrail(ctx, { entityId: license.id })).map((entry) => entry.action)).toEqual([
        'issued',
        'split',
      ]);
    });

    it('is refused for an activated key and for parts that do not add up, changing nothing', async () => {
      const { license } = await accountWithKey(ctx, { connections: 10 });
      const before = await snapshot(license.id);
      expect(await splitLicense(ctx, { licenseId: license.id, parts: [3, 6], actor })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', field: 'parts' },
      });
      expect((await activated(license, '6')).ok).toBe(true);
      const activatedBefore = await snapshot(license.id);
      expect(await splitLicense(ctx, { licenseId: license.id, parts: [5, 5], actor })).toMatchObject({
        ok: false,
        error: { code: 'license_activated' },
      });
      expect(await snapshot(license.id)).toEqual(activatedBefore);
      expect(before.trail).toHaveLength(1);
    });
  });

  describe('the license replacement program', () => {
    it('issues a new key within the term; the old one works on its machine for 7 more days, then stops', async () => {
      const { license } = await accountWithKey(ctx, { connections: 25 });
      const first = await activated(license, '8');
      expect(first.ok).toBe(true);
      clock.advance(100 * DAY);
      const replaced = await replaceLicense(ctx, { licenseId: license.id, actor });
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
      const renewedCertificate = await refresh(ctx, {
        key: license.key,
        serverId: `srv_01kax5c1x8b2m4n6p8r0s2t008`,
        fingerprint: machine('8'),
        nonce: nonce(),
      });
      expect(renewedCertificate.ok && renewedCertificate.value.certificate.payload.expiresAt).toBe(
        new Date(clock.now().getTime() + 7 * DAY).toISOString(),
      );
      expect(await activated(license, '9')).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
      expect((await activated(replaced.value.replacement, '10')).ok).toBe(true);
      clock.advance(7 * DAY);
      expect((await findLicense(ctx, license.id))?.status).toBe('revoked');
      expect(
        await refresh(ctx, {
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
      const { license } = await accountWithKey(ctx);
      expect((await activated(license, '16')).ok).toBe(true);
      expect((await replaceLicense(ctx, { licenseId: license.id, actor })).ok).toBe(true);
      clock.advance(3 * DAY);
      const again = await activated(license, '16');
      expect(again.ok && again.value).toMatchObject({
        created: false,
        certificate: { payload: { expiresAt: new Date(clock.now().getTime() + 4 * DAY).toISOString() } },
      });
      expect(await activated(license, '17')).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
      clock.advance(4 * DAY);
      expect(await activated(license, '16')).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
    });

    it('is refused for a legacy key past its term too: its term still decides replacements', async () => {
      const { license } = await accountWithKey(ctx, { legacy: true });
      expect((await activated(license, '14')).ok).toBe(true);
      clock.advance(366 * DAY);
      expect(await replaceLicense(ctx, { licenseId: license.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'support_term_over' },
      });
    });

    it('is refused after the support term: a new key must be bought; nothing changes', async () => {
      const { license } = await accountWithKey(ctx);
      expect((await activated(license, '11')).ok).toBe(true);
      clock.advance(366 * DAY);
      const before = await snapshot(license.id);
      expect(await replaceLicense(ctx, { licenseId: license.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'support_term_over', detail: expect.stringMatching(/new key must be bought/) },
      });
      expect(await snapshot(license.id)).toEqual(before);
    });
  });

  describe('failover keys', () => {
    it('are issued once per key, with its connections and term, and activate only as failover keys', async () => {
      const { license } = await accountWithKey(ctx, { connections: 50 });
      const failover = await issueFailoverKey(ctx, { licenseId: license.id, actor });
      if (!failover.ok) throw new Error(failover.error.detail);
      expect(failover.value).toMatchObject({
        kind: 'failover',
        connections: 50,
        ends: license.ends,
        failoverOf: license.id,
      });
      expect(await issueFailoverKey(ctx, { licenseId: license.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_exists' },
      });
      expect(await issueFailoverKey(ctx, { licenseId: failover.value.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_mismatch' },
      });
      const standby = {
        serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t012',
        fingerprint: machine('12'),
        nonce: nonce(),
      };
      // A failover key is not an ordinary key, and an ordinary key is not a failover key.
      expect(await activate(ctx, { key: failover.value.key, ...standby })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_mismatch' },
      });
      expect(await activate(ctx, { key: license.key, ...standby, failover: true })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_mismatch' },
      });
      const bound = await activate(ctx, { key: failover.value.key, ...standby, failover: true });
      expect(bound.ok && bound.value.certificate.payload).toMatchObject({ kind: 'failover', seats: 50 });
    });

    it('follow their original: refunded, renewed and moved with it, never on their own', async () => {
      const { license } = await accountWithKey(ctx);
      const failover = await issueFailoverKey(ctx, { licenseId: license.id, actor });
      if (!failover.ok) throw new Error(failover.error.detail);
      expect(await refundLicense(ctx, { licenseId: failover.value.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_mismatch' },
      });
      await renewLicenses(ctx, { licenseIds: [license.id], years: 1, actor });
      expect((await findLicense(ctx, failover.value.id))?.ends).toBe('2028-11-23T12:00:00.000Z');
      const buyer = await accountWithKey(ctx, { email: 'buyer@elsewhere.example' });
      const moved = await transferLicenses(ctx, {
        licenseIds: [license.id],
        toAccountId: buyer.accountId,
        requesterEmail: 'someone@elsewhere.example',
        orderNumber: license.orderNumber ?? '',
        actor,
      });
      expect(moved.ok).toBe(true);
      expect((await findLicense(ctx, failover.value.id))?.accountId).toBe(buyer.accountId);
      expect((await refundLicense(ctx, { licenseId: license.id, actor })).ok).toBe(true);
      expect(await findLicense(ctx, failover.value.id)).toMatchObject({
        status: 'revoked',
        endedReason: 'refunded',
      });
    });

    it('are renewed only with their original: alone they are refused, listed with it they renew once', async () => {
      const { license } = await accountWithKey(ctx);
      const failover = await issueFailoverKey(ctx, { licenseId: license.id, actor });
      if (!failover.ok) throw new Error(failover.error.detail);
      const before = await snapshot(failover.value.id);
      expect(await renewLicenses(ctx, { licenseIds: [failover.value.id], years: 1, actor })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_mismatch' },
      });
      expect(await snapshot(failover.value.id)).toEqual(before);
      for (const licenseIds of [
        [license.id, failover.value.id],
        [failover.value.id, license.id],
      ]) {
        const renewed = await renewLicenses(ctx, { licenseIds, years: 1, actor });
        expect(renewed.ok).toBe(true);
      }
      // Two renewals of one year each: the original and its failover key alike.
      expect((await findLicense(ctx, license.id))?.ends).toBe('2029-11-23T12:00:00.000Z');
      expect((await findLicense(ctx, failover.value.id))?.ends).toBe('2029-11-23T12:00:00.000Z');
    });

    it('count as the original’s activation: a key whose failover key is activated is not refunded', async () => {
      const { license } = await accountWithKey(ctx);
      const failover = await issueFailoverKey(ctx, { licenseId: license.id, actor });
      if (!failover.ok) throw new Error(failover.error.detail);
      const standby = {
        serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t015',
        fingerprint: machine('15'),
        nonce: nonce(),
      };
      expect((await activate(ctx, { key: failover.value.key, ...standby, failover: true })).ok).toBe(true);
      expect(await refundLicense(ctx, { licenseId: license.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'license_activated' },
      });
    });

    it('of two asked at once, exactly one is issued', async () => {
      const { license } = await accountWithKey(ctx);
      const both = await Promise.all([
        issueFailoverKey(ctx, { licenseId: license.id, actor }),
        issueFailoverKey(ctx, { licenseId: license.id, actor }),
      ]);
      expect(both.filter((result) => result.ok)).toHaveLength(1);
      expect(both.find((result) => !result.ok)).toMatchObject({ error: { code: 'failover_key_exists' } });
    });
  });

  describe('transfers to another account', () => {
    it('move keys with their activations and terms; the old account no longer sees them', async () => {
      const from = await accountWithKey(ctx, { email: 'it@old-corp.example' });
      const to = await accountWithKey(ctx, { email: 'admin@new-corp.example' });
      expect((await activated(from.license, '13')).ok).toBe(true);
      const moved = await transferLicenses(ctx, {
        licenseIds: [from.license.id],
        toAccountId: to.accountId,
        requesterEmail: 'cfo@old-corp.example',
        actor,
      });
      expect(moved.ok && moved.value[0]).toMatchObject({
        accountId: to.accountId,
        status: 'active',
        ends: from.license.ends,
        server: { serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t013' },
      });
      expect((await listLicenses(ctx, { accountId: from.accountId })).map((key) => key.id)).toEqual([]);
      expect((await listLicenses(ctx, { accountId: to.accountId })).map((key) => key.id)).toContain(
        from.license.id,
      );
      expect((await auditTrail(ctx, { accountId: from.accountId })).map((entry) => entry.action)).toContain(
        'transferred_out',
      );
      expect((await auditTrail(ctx, { accountId: to.accountId })).map((entry) => entry.action)).toContain(
        'transferred_in',
      );
    });

    it('from an unrelated email, need the keys’ order number; refusals change nothing', async () => {
      const from = await accountWithKey(ctx, { email: 'it@seller.example' });
      const to = await accountWithKey(ctx, { email: 'ops@buyer.example' });
      const ask = (orderNumber?: string) =>
        transferLicenses(ctx, {
          licenseIds: [from.license.id],
          toAccountId: to.accountId,
          requesterEmail: 'ops@buyer.example',
          orderNumber,
          actor,
        });
      const before = await snapshot(from.license.id);
      expect(await ask()).toMatchObject({
        ok: false,
        error: { code: 'transfer_not_authorized', field: 'requesterEmail' },
      });
      expect(await ask('SO-00000000')).toMatchObject({
        ok: false,
        error: { code: 'transfer_not_authorized', field: 'orderNumber' },
      });
      expect(await snapshot(from.license.id)).toEqual(before);
      expect(from.license.orderNumber).toMatch(/^SO-[0-9A-Z]{8}$/);
      expect((await ask(from.license.orderNumber?.toLowerCase())).ok).toBe(true);
      // Already moved: a second transfer to the same account is refused.
      expect(await ask(from.license.orderNumber ?? '')).toMatchObject({
        ok: false,
        error: { code: 'validation_failed' },
      });
    });
  });

  describe('rival changes to one key at once: exactly one wins', () => {
    it('a split and a refund', async () => {
      for (let round = 0; round < 5; round++) {
        const { license } = await accountWithKey(ctx, { connections: 10 });
        const [split, refund] = await Promise.all([
          splitLicense(ctx, { licenseId: license.id, parts: [5, 5], actor }),
          refundLicense(ctx, { licenseId: license.id, actor }),
        ]);
        expect([split.ok, refund.ok].filter(Boolean)).toHaveLength(1);
        const loser = split.ok ? refund : split;
        expect(loser).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
        const children = (
          await ctx.store.db.selectFrom('licenses').select('id').where('parent_id', '=', license.id).execute()
        ).length;
        expect(children).toBe(split.ok ? 2 : 0);
      }
    });

    it('a refund and an activation', async () => {
      for (let round = 0; round < 5; round++) {
        const { license } = await accountWithKey(ctx, { connections: 10 });
        const [refund, activation] = await Promise.all([
          refundLicense(ctx, { licenseId: license.id, actor }),
          activated(license, `${round}7`),
        ]);
        expect([refund.ok, activation.ok].filter(Boolean)).toHaveLength(1);
        const view = await findLicense(ctx, license.id);
        expect(view?.status).toBe(refund.ok ? 'revoked' : 'active');
      }
    });
  });
});
