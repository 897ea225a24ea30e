import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { accountWithKey, machine, nonce } from '../../../test/support/factories.js';
import { activate } from '../activation/operations.js';
import type { ServiceContext } from '../context.js';
import { issueFailoverKey } from '../licenses/lifecycle.js';
import type { LicenseView } from '../licenses/operations.js';
import { listRequests, type OpenRequestInput, openRequest } from './operations.js';

describe.each(ENGINES)('support requests checked when they are opened, on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    ctx = await testContext(engine, clock);
  });
  afterEach(async () => ctx.cleanup());

  async function customer() {
    const made = await accountWithKey(ctx, { connections: 10 });
    const owner = await ctx.store.db
      .selectFrom('users')
      .select('id')
      .where('account_id', '=', made.accountId)
      .executeTakeFirstOrThrow();
    const principal = {
      kind: 'account' as const,
      userId: owner.id,
      accountId: made.accountId,
      role: 'owner' as const,
    };
    return {
      ...made,
      open: (input: Omit<OpenRequestInput, 'licenseId' | 'message'>) =>
        openRequest(ctx, principal, { licenseId: made.license.id, message: 'Please.', ...input }),
    };
  }

  const activated = (license: LicenseView) =>
    activate(ctx, {
      key: license.key,
      serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t030',
      fingerprint: machine('30'),
      nonce: nonce(),
    });

  it('refuses at once a split whose parts do not add up to the key, with the split’s code', async () => {
    const { open } = await customer();
    expect(await open({ type: 'split', parts: [3, 3] })).toMatchObject({
      ok: false,
      error: {
        code: 'validation_failed',
        field: 'parts',
        detail: expect.stringMatching(/add up to the key's 10; they add up to 6/),
      },
    });
    expect(await listRequests(ctx, {})).toEqual([]);
  });

  it('refuses at once a refund or a split of an activated key', async () => {
    const { open, license } = await customer();
    expect((await activated(license)).ok).toBe(true);
    expect(await open({ type: 'refund' })).toMatchObject({ ok: false, error: { code: 'license_activated' } });
    expect(await open({ type: 'split', parts: [4, 6] })).toMatchObject({
      ok: false,
      error: { code: 'license_activated' },
    });
    expect(await listRequests(ctx, {})).toEqual([]);
  });

  it('refuses at once a refund past its 30 days, a second failover key', async () => {
    const { open, license } = await customer();
    expect((await issueFailoverKey(ctx, { licenseId: license.id, actor: 'usr_staff' })).ok).toBe(true);
    expect(await open({ type: 'failover' })).toMatchObject({
      ok: false,
      error: { code: 'failover_key_exists' },
    });
    clock.advance(30 * DAY);
    expect(await open({ type: 'refund' })).toMatchObject({
      ok: false,
      error: { code: 'refund_period_over' },
    });
    expect(await listRequests(ctx, {})).toEqual([]);
  });

  it('opens a request the operation would allow now, naming its key by its last group', async () => {
    const { open, license } = await customer();
    const opened = await open({ type: 'split', parts: [4, 6] });
    expect(opened.ok && opened.value).toMatchObject({ status: 'open', keyHint: license.key.slice(-4) });
    expect(await listRequests(ctx, {})).toMatchObject([{ keyHint: license.key.slice(-4) }]);
  });

  it('opens a transfer to an unknown email as it opens one to a known account: opening tells no one which emails have an account', async () => {
    const { open } = await customer();
    await accountWithKey(ctx, { connections: 10, email: 'known@elsewhere.example' });
    const unknown = await open({ type: 'transfer', toAccount: 'nobody@nowhere.example' });
    const known = await open({ type: 'transfer', toAccount: 'known@elsewhere.example' });
    expect([unknown.ok, known.ok]).toEqual([true, true]);
  });
});
