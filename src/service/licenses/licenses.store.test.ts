import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { accountWithKey, machine, nonce } from '../../../test/support/factories.js';
import { expectRefusal } from '../../../test/support/results.js';
import { newId } from '../../domain/ids.js';
import { activate } from '../activation/operations.js';
import type { ServiceContext } from '../context.js';
import { findLicense, findLicenseByKey, issueLicense, listLicenses } from './operations.js';

describe.each(ENGINES)('fixed license keys on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    ctx = await testContext(engine, clock);
  });
  afterEach(async () => ctx.cleanup());

  it('issues a key for N connections with a one-year term from the purchase date by default', async () => {
    const { license } = await accountWithKey(ctx, { connections: 25 });
    expect(license).toMatchObject({
      connections: 25,
      termYears: 1,
      purchasedAt: '2026-11-23T12:00:00.000Z',
      starts: '2026-11-23T12:00:00.000Z',
      ends: '2027-11-23T12:00:00.000Z',
      status: 'not_activated',
      server: null,
    });
    expect(license.key).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it('issues a term of several years', async () => {
    const { license } = await accountWithKey(ctx, {
      years: 3,
      purchasedAt: new Date('2028-02-29T00:00:00.000Z'),
    });
    expect(license.ends).toBe('2031-02-28T00:00:00.000Z');
  });

  it('refuses a key for an account that does not exist', async () => {
    const result = await issueLicense(ctx, { accountId: newId('acc', 0), connections: 10 });
    expectRefusal(result, 'account_not_found');
    expect(await ctx.store.db.selectFrom('licenses').select('id').execute()).toHaveLength(0);
  });

  it('does not store keys in plain text', async () => {
    const { license } = await accountWithKey(ctx);
    // Every column, on purpose: whatever is added to the table must not hold the key either.
    const row = await ctx.store.db.selectFrom('licenses').selectAll().executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(license.key);
    expect(stored).not.toContain(license.key.replaceAll('-', ''));
    expect((await findLicenseByKey(ctx.store.db, license.key)).ok).toBe(true);
  });

  it('shows status not activated, then active with its server, then expired when the term ends', async () => {
    const { accountId, license } = await accountWithKey(ctx);
    const serverId = newId('srv', clock.now().getTime());
    await activate(ctx, { key: license.key, serverId, fingerprint: machine(7), nonce: nonce() });
    const active = await findLicense(ctx, license.id);
    expect(active?.status).toBe('active');
    expect(active?.server).toMatchObject({ serverId, hostname: 'vpn-7.example.net' });
    clock.set(license.ends);
    expect((await findLicense(ctx, license.id))?.status).toBe('expired');
    expect((await listLicenses(ctx, { accountId })).map((l) => l.id)).toEqual([license.id]);
  });

  it('lists only the asked account’s keys', async () => {
    const first = await accountWithKey(ctx);
    const second = await accountWithKey(ctx);
    expect((await listLicenses(ctx, { accountId: first.accountId })).map((l) => l.id)).toEqual([
      first.license.id,
    ]);
    expect(await listLicenses(ctx, {})).toHaveLength(2);
    expect(second.license.accountId).toBe(second.accountId);
  });
});
