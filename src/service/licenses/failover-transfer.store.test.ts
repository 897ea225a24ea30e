import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../test/support/engines.js';
import { accountWithKey, machine, nonce } from '../../../test/support/factories.js';
import { keyLifecycleFixture } from '../../../test/support/key-lifecycle.js';
import { activate } from '../activation/operations.js';
import { auditTrail } from '../audit/log.js';
import { refundKey } from '../orders/refunds.js';
import { issueFailoverKey, renewLicenses, splitLicense, transferLicenses } from './lifecycle.js';
import { findLicense, listLicenses } from './operations.js';

describe.each(ENGINES)('a fixed key’s failover key, transfers and rival changes on %s', (engine) => {
  const keys = keyLifecycleFixture(engine);
  const { actor, activated, snapshot } = keys;

  describe('failover keys', () => {
    it('are issued once per key, with its connections and term, and activate only as failover keys', async () => {
      const { license } = await accountWithKey(keys.ctx, { connections: 50 });
      const failover = await issueFailoverKey(keys.ctx, { licenseId: license.id, actor });
      if (!failover.ok) throw new Error(failover.error.detail);
      expect(failover.value).toMatchObject({
        kind: 'failover',
        connections: 50,
        ends: license.ends,
        failoverOf: license.id,
      });
      expect(await issueFailoverKey(keys.ctx, { licenseId: license.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_exists' },
      });
      expect(await issueFailoverKey(keys.ctx, { licenseId: failover.value.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_mismatch' },
      });
      const standby = {
        serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t012',
        fingerprint: machine('12'),
        nonce: nonce(),
      };
      // A failover key is not an ordinary key, and an ordinary key is not a failover key.
      expect(await activate(keys.ctx, { key: failover.value.key, ...standby })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_mismatch' },
      });
      expect(await activate(keys.ctx, { key: license.key, ...standby, failover: true })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_mismatch' },
      });
      const bound = await activate(keys.ctx, { key: failover.value.key, ...standby, failover: true });
      expect(bound.ok && bound.value.certificate.payload).toMatchObject({ kind: 'failover', seats: 50 });
    });

    it('follow their original: refunded, renewed and moved with it, never on their own', async () => {
      const { license } = await accountWithKey(keys.ctx);
      const failover = await issueFailoverKey(keys.ctx, { licenseId: license.id, actor });
      if (!failover.ok) throw new Error(failover.error.detail);
      expect(await refundKey(keys.ctx, { licenseId: failover.value.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'failover_key_mismatch' },
      });
      await renewLicenses(keys.ctx, { licenseIds: [license.id], years: 1, actor });
      expect((await findLicense(keys.ctx, failover.value.id))?.ends).toBe('2028-11-23T12:00:00.000Z');
      const buyer = await accountWithKey(keys.ctx, { email: 'buyer@elsewhere.example' });
      const moved = await transferLicenses(keys.ctx, {
        licenseIds: [license.id],
        toAccountId: buyer.accountId,
        requesterEmail: 'someone@elsewhere.example',
        orderNumber: license.orderNumber ?? '',
        actor,
      });
      expect(moved.ok).toBe(true);
      expect((await findLicense(keys.ctx, failover.value.id))?.accountId).toBe(buyer.accountId);
      expect((await refundKey(keys.ctx, { licenseId: license.id, actor })).ok).toBe(true);
      expect(await findLicense(keys.ctx, failover.value.id)).toMatchObject({
        status: 'revoked',
        endedReason: 'refunded',
      });
    });

    it('are renewed only with their original: alone they are refused, listed with it they renew once', async () => {
      const { license } = await accountWithKey(keys.ctx);
      const failover = await issueFailoverKey(keys.ctx, { licenseId: license.id, actor });
      if (!failover.ok) throw new Error(failover.error.detail);
      const before = await snapshot(failover.value.id);
      expect(
        await renewLicenses(keys.ctx, { licenseIds: [failover.value.id], years: 1, actor }),
      ).toMatchObject({
        ok: false,
        error: { code: 'failover_key_mismatch' },
      });
      expect(await snapshot(failover.value.id)).toEqual(before);
      for (const licenseIds of [
        [license.id, failover.value.id],
        [failover.value.id, license.id],
      ]) {
        const renewed = await renewLicenses(keys.ctx, { licenseIds, years: 1, actor });
        expect(renewed.ok).toBe(true);
      }
      // Two renewals of one year each: the original and its failover key alike.
      expect((await findLicense(keys.ctx, license.id))?.ends).toBe('2029-11-23T12:00:00.000Z');
      expect((await findLicense(keys.ctx, failover.value.id))?.ends).toBe('2029-11-23T12:00:00.000Z');
    });

    it('count as the original’s activation: a key whose failover key is activated is not refunded', async () => {
      const { license } = await accountWithKey(keys.ctx);
      const failover = await issueFailoverKey(keys.ctx, { licenseId: license.id, actor });
      if (!failover.ok) throw new Error(failover.error.detail);
      const standby = {
        serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t015',
        fingerprint: machine('15'),
        nonce: nonce(),
      };
      expect((await activate(keys.ctx, { key: failover.value.key, ...standby, failover: true })).ok).toBe(
        true,
      );
      expect(await refundKey(keys.ctx, { licenseId: license.id, actor })).toMatchObject({
        ok: false,
        error: { code: 'license_activated' },
      });
    });

    it('of two asked at once, exactly one is issued', async () => {
      const { license } = await accountWithKey(keys.ctx);
      const both = await Promise.all([
        issueFailoverKey(keys.ctx, { licenseId: license.id, actor }),
        issueFailoverKey(keys.ctx, { licenseId: license.id, actor }),
      ]);
      expect(both.filter((result) => result.ok)).toHaveLength(1);
      expect(both.find((result) => !result.ok)).toMatchObject({ error: { code: 'failover_key_exists' } });
    });
  });

  describe('transfers to another account', () => {
    it('move keys with their activations and terms; the old account no longer sees them', async () => {
      const from = await accountWithKey(keys.ctx, { email: 'it@old-corp.example' });
      const to = await accountWithKey(keys.ctx, { email: 'admin@new-corp.example' });
      expect((await activated(from.license, '13')).ok).toBe(true);
      const moved = await transferLicenses(keys.ctx, {
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
      expect((await listLicenses(keys.ctx, { accountId: from.accountId })).map((key) => key.id)).toEqual([]);
      expect((await listLicenses(keys.ctx, { accountId: to.accountId })).map((key) => key.id)).toContain(
        from.license.id,
      );
      expect(
        (await auditTrail(keys.ctx, { accountId: from.accountId })).map((entry) => entry.action),
      ).toContain('transferred_out');
      expect(
        (await auditTrail(keys.ctx, { accountId: to.accountId })).map((entry) => entry.action),
      ).toContain('transferred_in');
    });

    it('from an unrelated email, need the keys’ order number; refusals change nothing', async () => {
      const from = await accountWithKey(keys.ctx, { email: 'it@seller.example' });
      const to = await accountWithKey(keys.ctx, { email: 'ops@buyer.example' });
      const ask = (orderNumber?: string) =>
        transferLicenses(keys.ctx, {
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
        const { license } = await accountWithKey(keys.ctx, { connections: 10 });
        const [split, refund] = await Promise.all([
          splitLicense(keys.ctx, { licenseId: license.id, parts: [5, 5], actor }),
          refundKey(keys.ctx, { licenseId: license.id, actor }),
        ]);
        expect([split.ok, refund.ok].filter(Boolean)).toHaveLength(1);
        const loser = split.ok ? refund : split;
        expect(loser).toMatchObject({ ok: false, error: { code: 'license_revoked' } });
        const children = (
          await keys.ctx.store.db
            .selectFrom('licenses')
            .select('id')
            .where('parent_id', '=', license.id)
            .execute()
        ).length;
        expect(children).toBe(split.ok ? 2 : 0);
      }
    });

    it('a refund and an activation', async () => {
      for (let round = 0; round < 5; round++) {
        const { license } = await accountWithKey(keys.ctx, { connections: 10 });
        const [refund, activation] = await Promise.all([
          refundKey(keys.ctx, { licenseId: license.id, actor }),
          activated(license, `${round}7`),
        ]);
        expect([refund.ok, activation.ok].filter(Boolean)).toHaveLength(1);
        const view = await findLicense(keys.ctx, license.id);
        expect(view?.status).toBe(refund.ok ? 'revoked' : 'active');
      }
    });
  });
});
