import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { accountWithKey, machine, nonce } from '../../../test/support/factories.js';
import { expectRefusal } from '../../../test/support/results.js';
import { publicKeyFromPem, verifyCertificate } from '../../domain/certificate.js';
import { newId } from '../../domain/ids.js';
import type { ServiceContext } from '../context.js';
import { boundLicenses } from '../licenses/license-repository.js';
import { bindingOf } from './activation-repository.js';
import { activate, refresh } from './operations.js';

describe.each(ENGINES)('activation on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;
  const serverA = newId('srv', Date.parse('2026-01-01'));
  const serverB = newId('srv', Date.parse('2026-01-02'));

  beforeEach(async () => {
    clock = new ManualClock();
    ctx = await testContext(engine, clock);
  });
  afterEach(async () => ctx.cleanup());

  const request = (key: string, serverId = serverA, seed: string | number = 'a') => ({
    key,
    serverId,
    fingerprint: machine(seed),
    nonce: nonce(),
  });
  const vendorKeys = () => new Map([[ctx.vendor.kid, publicKeyFromPem(ctx.vendor.publicKeyPem)]]);

  it('binds the key to the first server and returns a signed certificate for it', async () => {
    const { license } = await accountWithKey(ctx, { connections: 10 });
    const req = request(license.key);
    const result = await activate(ctx, req);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.created).toBe(true);
    const payload = verifyCertificate(result.value.certificate, vendorKeys());
    expect(payload.ok && payload.value).toMatchObject({
      licenseId: license.id,
      seats: 10,
      serverId: serverA,
      nonce: req.nonce,
      starts: license.starts,
      ends: license.ends,
      issuedAt: clock.now().toISOString(),
      expiresAt: new Date(clock.now().getTime() + 7 * DAY).toISOString(),
    });
  });

  it('accepts the key as a person types it: lower case, spaces instead of dashes', async () => {
    const { license } = await accountWithKey(ctx);
    const typed = license.key.toLowerCase().replaceAll('-', ' ');
    expect((await activate(ctx, request(typed))).ok).toBe(true);
  });

  it('gives the same server a fresh certificate for the same binding', async () => {
    const { license } = await accountWithKey(ctx);
    const first = await activate(ctx, request(license.key));
    clock.advance(DAY);
    const again = await activate(ctx, request(license.key));
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.value.created).toBe(false);
    expect(again.value.activationId).toBe(first.value.activationId);
    const payload = verifyCertificate(again.value.certificate, vendorKeys());
    expect(payload.ok && payload.value.issuedAt).toBe(clock.now().toISOString());
  });

  it('refuses any other server with the seeds’ message and key_already_activated', async () => {
    const { license } = await accountWithKey(ctx);
    await activate(ctx, request(license.key));
    const other = await activate(ctx, request(license.key, serverB, 'b'));
    expect(expectRefusal(other, 'key_already_activated').detail).toMatch(
      /^License error: machine properties validation failed: verify fail: /,
    );
  });

  it('refuses the same server id on another machine (a clone) and names what differs', async () => {
    const { license } = await accountWithKey(ctx);
    await activate(ctx, request(license.key));
    const clone = await activate(ctx, {
      ...request(license.key),
      fingerprint: machine('a', { machineId: 'cloned-elsewhere', macs: ['02:00:00:00:99:01'] }),
    });
    expect(expectRefusal(clone, 'fingerprint_mismatch').detail).toBe(
      'License error: machine properties validation failed: verify fail: machine id and network interface MACs differ from the machine the license was activated on',
    );
  });

  it('writes nothing for a server or a clone it refuses, not even on the key’s row', async () => {
    const { license } = await accountWithKey(ctx);
    await activate(ctx, request(license.key));
    const stored = () =>
      Promise.all([boundLicenses(ctx.store.db, { id: license.id }), bindingOf(ctx.store.db, license.id)]);
    const before = await stored();
    const other = await activate(ctx, request(license.key, serverB, 'b'));
    const clone = await activate(ctx, {
      ...request(license.key),
      fingerprint: machine('a', { machineId: 'x' }),
    });
    expect([other.ok || other.error.code, clone.ok || clone.error.code]).toEqual([
      'key_already_activated',
      'fingerprint_mismatch',
    ]);
    expect(await stored()).toEqual(before);
  });

  it('follows a small machine change once, even when the changed machine asks twice at once', async () => {
    const { license } = await accountWithKey(ctx);
    await activate(ctx, request(license.key));
    const changed = {
      ...request(license.key),
      fingerprint: machine('a', { hostname: 'renamed.example.net' }),
    };
    const both = await Promise.all([
      refresh(ctx, { ...changed, nonce: nonce() }),
      refresh(ctx, { ...changed, nonce: nonce() }),
    ]);
    expect(both.map((result) => result.ok)).toEqual([true, true]);
    const row = await ctx.store.db
      .selectFrom('activations')
      .select('renegotiations')
      .where('license_id', '=', license.id)
      .executeTakeFirstOrThrow();
    expect(row.renegotiations).toBe(1);
  });

  it('refuses an expired key, and the term counts from the purchase date, not the activation', async () => {
    const { license } = await accountWithKey(ctx, { purchasedAt: new Date('2025-11-01T00:00:00.000Z') });
    expect(license.ends).toBe('2026-11-01T00:00:00.000Z');
    const result = await activate(ctx, request(license.key));
    expect(expectRefusal(result, 'license_expired').detail).toContain('2026-11-01');
  });

  it('gives a legacy key past its term a fresh certificate when its own server activates it again', async () => {
    const bound = (await accountWithKey(ctx, { legacy: true })).license;
    const unbound = (await accountWithKey(ctx, { legacy: true })).license;
    expect((await activate(ctx, request(bound.key))).ok).toBe(true);
    clock.advance(400 * DAY);
    const again = await activate(ctx, request(bound.key));
    expect(again.ok && again.value).toMatchObject({
      created: false,
      certificate: { payload: { legacy: true } },
    });
    // Only a new binding is refused after the term.
    expect(await activate(ctx, request(unbound.key, serverB, 'b'))).toMatchObject({
      ok: false,
      error: { code: 'license_expired' },
    });
  });

  it('tells a mistyped key from an unknown one', async () => {
    const { license } = await accountWithKey(ctx);
    const typo = license.key.slice(0, 5) + (license.key[5] === 'A' ? 'B' : 'A') + license.key.slice(6);
    const mistyped = await activate(ctx, request(typo));
    expect(expectRefusal(mistyped, 'license_key_malformed').field).toBe('key');
    const unknown = await activate(ctx, request('0000-0000-0000-0000-0000'));
    expect(expectRefusal(unknown, 'license_key_not_found').field).toBe('key');
  });

  it('refreshes only an existing binding', async () => {
    const { license } = await accountWithKey(ctx);
    const before = await refresh(ctx, request(license.key));
    expectRefusal(before, 'not_activated');
    await activate(ctx, request(license.key));
    clock.advance(3 * DAY);
    const after = await refresh(ctx, request(license.key));
    expect(after.ok).toBe(true);
    const other = await refresh(ctx, request(license.key, serverB, 'b'));
    expectRefusal(other, 'key_already_activated');
    const rows = await ctx.store.db.selectFrom('activations').select(['id', 'certificates_issued']).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.certificates_issued).toBe(2);
  });

  it('lets exactly one of 50 servers racing for one key win', async () => {
    const { license } = await accountWithKey(ctx);
    const servers = Array.from({ length: 50 }, (_, i) => newId('srv', Date.now() + i));
    const results = await Promise.all(
      servers.map((serverId, i) => activate(ctx, request(license.key, serverId, i))),
    );
    const winners = results.filter((result) => result.ok);
    expect(winners).toHaveLength(1);
    expect(
      results.filter((result) => !result.ok && result.error.code === 'key_already_activated'),
    ).toHaveLength(49);
    const rows = await ctx.store.db.selectFrom('activations').select(['id', 'certificates_issued']).execute();
    expect(rows).toHaveLength(1);
  });
});
