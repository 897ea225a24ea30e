import { describe, expect, it } from 'vitest';
import { DAY } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { accountWithKey } from '../../../test/support/factories.js';
import { keyLifecycleFixture } from '../../../test/support/key-lifecycle.js';
import { refundKey } from '../orders/refunds.js';
import { issueFailoverKey, replaceLicense, splitLicense } from './lifecycle.js';
import { findLicense, type LicenseView, listLicenses } from './operations.js';

const hintOf = (license: LicenseView) => license.key.slice(-4);

describe.each(ENGINES)('why a key has its status, in its view on %s', (engine) => {
  const keys = keyLifecycleFixture(engine);
  const { actor, activated } = keys;

  it('says nothing more of a key in use', async () => {
    const { license } = await accountWithKey(keys.ctx);
    expect(license).toMatchObject({ status: 'not_activated', statusReason: null, successors: [] });
  });

  it('names the keys a split key became, in the account’s list and alone', async () => {
    const { license, accountId } = await accountWithKey(keys.ctx, { connections: 10 });
    const split = await splitLicense(keys.ctx, { licenseId: license.id, parts: [4, 6], actor });
    if (!split.ok) throw new Error(split.error.detail);
    // The keys a split made are named in the order of their ids.
    const [a, b] = [...split.value.keys].sort((x, y) => x.id.localeCompare(y.id));
    if (a === undefined || b === undefined) throw new Error('two keys expected');
    const expected = {
      status: 'revoked',
      statusReason: `split into …${hintOf(a)}, …${hintOf(b)}`,
      successors: [
        { id: a.id, keyHint: hintOf(a) },
        { id: b.id, keyHint: hintOf(b) },
      ],
    };
    expect(split.value.original).toMatchObject(expected);
    const listed = await listLicenses(keys.ctx, { accountId });
    expect(listed.find((view) => view.id === license.id)).toMatchObject(expected);
    expect(listed.find((view) => view.id === a.id)).toMatchObject({
      statusReason: null,
      parentId: license.id,
    });
  });

  it('says a refunded key was refunded', async () => {
    const { license } = await accountWithKey(keys.ctx);
    const refunded = await refundKey(keys.ctx, { licenseId: license.id, actor });
    expect(refunded.ok && refunded.value).toMatchObject({ status: 'revoked', statusReason: 'refunded' });
  });

  it('names a replaced key’s successor and its stop, in its overlap week and after', async () => {
    const { license } = await accountWithKey(keys.ctx);
    expect((await activated(license, '1')).ok).toBe(true);
    const replaced = await replaceLicense(keys.ctx, { licenseId: license.id, actor });
    if (!replaced.ok) throw new Error(replaced.error.detail);
    const successor = replaced.value.replacement;
    expect(replaced.value.original).toMatchObject({
      status: 'active',
      revokedAt: '2026-11-30T12:00:00.000Z',
      statusReason: `replaced by …${hintOf(successor)}, stops at 2026-11-30 12:00 UTC`,
      successors: [{ id: successor.id, keyHint: hintOf(successor) }],
    });
    keys.clock.advance(7 * DAY);
    expect(await findLicense(keys.ctx, license.id)).toMatchObject({
      status: 'revoked',
      statusReason: `replaced by …${hintOf(successor)}, stopped at 2026-11-30 12:00 UTC`,
    });
  });

  it('marks a failover key with the key it stands in for, also once that key is refunded', async () => {
    const { license } = await accountWithKey(keys.ctx);
    const failover = await issueFailoverKey(keys.ctx, { licenseId: license.id, actor });
    if (!failover.ok) throw new Error(failover.error.detail);
    expect(failover.value).toMatchObject({
      kind: 'failover',
      failoverOf: license.id,
      statusReason: `failover for …${hintOf(license)}`,
    });
    expect((await refundKey(keys.ctx, { licenseId: license.id, actor })).ok).toBe(true);
    expect(await findLicense(keys.ctx, failover.value.id)).toMatchObject({
      status: 'revoked',
      statusReason: `failover for …${hintOf(license)}; refunded`,
    });
  });
});
