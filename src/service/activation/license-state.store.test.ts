import { describe, expect, it } from 'vitest';
import { DAY } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { accountWithKey, failoverKeyOf, machine, nonce } from '../../../test/support/factories.js';
import { keyLifecycleFixture } from '../../../test/support/key-lifecycle.js';
import { expectRefusal } from '../../../test/support/results.js';
import { generateLicenseKey } from '../../domain/license-key.js';
import { renewLicenses, replaceLicense, transferLicenses } from '../licenses/lifecycle.js';
import { licenseState } from './license-state.js';
import { activate } from './operations.js';

const SERVER = (seed: string) => `srv_01kax5c1x8b2m4n6p8r0s2t${seed.padStart(3, '0').slice(-3)}`;

describe.each(ENGINES)('the state of a bound key, as its server asks after it, on %s', (engine) => {
  const keys = keyLifecycleFixture(engine);
  const { actor, activated } = keys;

  /** A 10-connection key activated on the server of `seed`, and its revision in the certificate's answer. */
  async function boundKey(seed: string) {
    const { accountId, license } = await accountWithKey(keys.ctx, {
      email: `owner-${seed}@corp-${seed}.example`,
    });
    const answer = await activated(license, seed);
    if (!answer.ok) throw new Error(answer.error.detail);
    return { accountId, license, revision: answer.value.revision };
  }
  const ask = (key: string, seed: string) => licenseState(keys.ctx, { key, serverId: SERVER(seed) });

  it('answers the revision the certificate was made at, until a renewal moves it on', async () => {
    const { license, revision } = await boundKey('1');
    const before = await ask(license.key, '1');
    expect(before).toEqual({
      ok: true,
      value: {
        licenseId: license.id,
        revision,
        status: 'active',
        ends: license.ends,
        stopsAt: null,
        replacedBy: null,
        checkedAt: keys.clock.now().toISOString(),
      },
    });
    expect((await renewLicenses(keys.ctx, { licenseIds: [license.id], years: 1, actor })).ok).toBe(true);
    const after = await ask(license.key, '1');
    expect(after.ok && after.value).toMatchObject({ ends: '2028-11-23T12:00:00.000Z', status: 'active' });
    expect(after.ok && after.value.revision).not.toBe(revision);
    // A fresh certificate carries the revision the service now answers.
    const refreshed = await activated(license, '1');
    expect(refreshed.ok && refreshed.value.revision).toBe(after.ok && after.value.revision);
  });

  it('names a replaced key’s replacement by its last characters and when it stops, then says it stopped', async () => {
    const { license, revision } = await boundKey('2');
    const replaced = await replaceLicense(keys.ctx, { licenseId: license.id, actor });
    if (!replaced.ok) throw new Error(replaced.error.detail);
    const { replacement } = replaced.value;
    const state = await ask(license.key, '2');
    expect(state.ok && state.value).toMatchObject({
      status: 'replaced',
      stopsAt: '2026-11-30T12:00:00.000Z',
      replacedBy: { licenseId: replacement.id, keyHint: replacement.key.slice(-4) },
    });
    expect(state.ok && state.value.revision).not.toBe(revision);
    expect(JSON.stringify(state)).not.toContain(replacement.key);
    keys.clock.advance(7 * DAY);
    const stopped = await ask(license.key, '2');
    expect(stopped.ok && stopped.value).toMatchObject({
      status: 'revoked',
      replacedBy: { licenseId: replacement.id },
    });
  });

  it('keeps the revision through a transfer, which changes nothing a certificate says; a failover key follows its renewal', async () => {
    const { license, revision } = await boundKey('3');
    const buyer = await accountWithKey(keys.ctx, { email: 'admin@buyer-3.example' });
    const moved = await transferLicenses(keys.ctx, {
      licenseIds: [license.id],
      toAccountId: buyer.accountId,
      requesterEmail: 'owner-3@corp-3.example',
      actor,
    });
    expect(moved.ok).toBe(true);
    const state = await ask(license.key, '3');
    expect(state.ok && state.value.revision).toBe(revision);

    const failover = await failoverKeyOf(keys.ctx, license.id);
    // A standby server activates the failover key as one.
    const bound = await activate(keys.ctx, {
      key: failover.key,
      serverId: SERVER('4'),
      fingerprint: machine('4'),
      nonce: nonce(),
      failover: true,
    });
    expect(bound.ok).toBe(true);
    const before = await ask(failover.key, '4');
    expect((await renewLicenses(keys.ctx, { licenseIds: [license.id], years: 1, actor })).ok).toBe(true);
    const after = await ask(failover.key, '4');
    expect(after.ok && after.value.revision).not.toBe(before.ok && before.value.revision);
  });

  it('answers only the server the key is bound to, as a refresh does', async () => {
    const { license } = await boundKey('5');
    expectRefusal(await ask(license.key, '6'), 'key_already_activated');
    const unbound = await accountWithKey(keys.ctx);
    expectRefusal(await ask(unbound.license.key, '5'), 'not_activated');
    expectRefusal(await ask('ABCD-EFGH-JKMN-PQRS-TVWX', '5'), 'license_key_malformed');
    expectRefusal(await ask(generateLicenseKey(), '5'), 'license_key_not_found');
  });
});
