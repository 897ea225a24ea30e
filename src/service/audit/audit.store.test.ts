import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { accountWithKey, machine, nonce } from '../../../test/support/factories.js';
import { expectRefusal } from '../../../test/support/results.js';
import { addMember, createAccount } from '../accounts/operations.js';
import { activate } from '../activation/operations.js';
import { createBootstrapToken, createStaff, redeemBootstrapToken } from '../auth/staff.js';
import type { ServiceContext } from '../context.js';
import { refundKey } from '../orders/refunds.js';
import { joinPool } from '../subscriptions/join.js';
import { createSubscription, renewSubscription } from '../subscriptions/lifecycle.js';
import { auditPage, auditTrail } from './log.js';

describe.each(ENGINES)('the audit log on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    ctx = await testContext(engine, clock);
  });
  afterEach(async () => ctx.cleanup());

  const actions = async (entityId: string) =>
    (await auditTrail(ctx, { entityId })).map((entry) => entry.action);

  it('records accounts and their members, with who did it; a refused change records nothing', async () => {
    const created = await createAccount(ctx, { email: 'audit@example.com', actor: 'usr_staff' });
    if (!created.ok) throw new Error(created.error.detail);
    const { id } = created.value.account;
    await addMember(ctx, id, 'member@example.com', 'usr_owner');
    expect(await auditTrail(ctx, { entityId: id })).toMatchObject([
      {
        actor: 'usr_staff',
        action: 'created',
        accountId: id,
        before: null,
        after: { email: 'audit@example.com' },
      },
      { actor: 'usr_owner', action: 'member_added', after: { email: 'member@example.com', role: 'member' } },
    ]);
    expectRefusal(await createAccount(ctx, { email: 'audit@example.com' }), 'email_taken');
    expectRefusal(await addMember(ctx, id, 'member@example.com'), 'email_taken');
    expect(await auditTrail(ctx, {})).toHaveLength(2);
    const [entry] = await auditTrail(ctx, { entityId: id });
    expect(entry?.after).toMatchObject({ ownerTokenId: expect.stringMatching(/^tok_/) });
    expect(JSON.stringify(await auditTrail(ctx, {}))).not.toContain(created.value.ownerToken);
  });

  it('records staff users and their tokens, from the bootstrap token and from other staff', async () => {
    const token = await createBootstrapToken(ctx);
    if (token === undefined) throw new Error('no bootstrap token on an empty store');
    const first = await redeemBootstrapToken(ctx, token, 'first@vendor.example');
    if (!first.ok) throw new Error(first.error.detail);
    const second = await createStaff(ctx, 'second@vendor.example', first.value.userId);
    if (!second.ok) throw new Error(second.error.detail);
    expectRefusal(await createStaff(ctx, 'second@vendor.example', first.value.userId), 'email_taken');
    const entries = await auditTrail(ctx, {});
    expect(entries).toMatchObject([
      {
        actor: 'bootstrap-token',
        accountId: null,
        entity: 'user',
        entityId: first.value.userId,
        action: 'staff_created',
        after: { email: 'first@vendor.example', role: 'staff', tokenId: first.value.tokenId },
      },
      {
        actor: first.value.userId,
        entity: 'user',
        entityId: second.value.userId,
        action: 'staff_created',
        after: { tokenId: second.value.tokenId },
      },
    ]);
    expect(JSON.stringify(entries)).not.toContain(second.value.token);
  });

  it('reads a long log page by page, in the order it was written', async () => {
    const created = await createAccount(ctx, { email: 'pages@example.com' });
    if (!created.ok) throw new Error(created.error.detail);
    const accountId = created.value.account.id;
    for (let i = 0; i < 24; i++) await addMember(ctx, accountId, `member-${i}@example.com`);
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await auditPage(ctx, { accountId, after, limit: 10 });
      if (!page.ok) throw new Error(page.error.detail);
      seen.push(...page.value.entries.map((entry) => (entry.after as { email: string }).email));
      after = page.value.next ?? undefined;
      pages++;
    } while (after !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual([
      'pages@example.com',
      ...Array.from({ length: 24 }, (_, i) => `member-${i}@example.com`),
    ]);
    expect(await auditTrail(ctx, { accountId })).toHaveLength(25);
    // A page back from the third page is the second, in the same order, and leads on to the third.
    const first = await auditPage(ctx, { accountId, limit: 10 });
    if (!first.ok || first.value.next === null) throw new Error('no second page');
    const forward = await auditPage(ctx, { accountId, after: first.value.next, limit: 10 });
    if (!forward.ok || forward.value.next === null) throw new Error('no third page');
    const third = await auditPage(ctx, { accountId, after: forward.value.next, limit: 10 });
    const firstOfThird = third.ok ? third.value.entries[0]?.id : undefined;
    const back = await auditPage(ctx, { accountId, before: firstOfThird, limit: 10 });
    expect(back.ok && back.value).toEqual(forward.ok && forward.value);
    const unknown = await auditPage(ctx, { after: 'aud_01kax5c1x8b2m4n6p8r0s2t000' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'validation_failed', field: 'after' } });
  });

  it('refuses to continue an account’s log after another account’s entry, as after an unknown one', async () => {
    const [mine, theirs] = await Promise.all(
      ['mine@example.com', 'theirs@example.com'].map((email) => createAccount(ctx, { email })),
    );
    if (!mine?.ok || !theirs?.ok) throw new Error('accounts not created');
    const [foreign] = await auditTrail(ctx, { accountId: theirs.value.account.id });
    if (foreign === undefined) throw new Error('no entry for the other account');
    const accountId = mine.value.account.id;
    const continuing = (id: string) => auditPage(ctx, { accountId, after: id });
    const unknown = await continuing('aud_01kax5c1x8b2m4n6p8r0s2t000');
    expect(unknown).toMatchObject({ ok: false, error: { code: 'validation_failed', field: 'after' } });
    expect(await continuing(foreign.id)).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'after' },
    });
    // Staff read every account's entries: any entry is a place to continue from.
    expect((await auditPage(ctx, { after: foreign.id })).ok).toBe(true);
  });

  it('records a subscription’s creation, renewals, servers joining, and an auto-renewal once', async () => {
    const account = await createAccount(ctx, { email: 'pool-audit@example.com' });
    if (!account.ok) throw new Error(account.error.detail);
    const subscription = await createSubscription(ctx, {
      accountId: account.value.account.id,
      connections: 10,
      period: 'monthly',
      actor: 'usr_staff',
    });
    if (!subscription.ok) throw new Error(subscription.error.detail);
    const { id, key } = subscription.value;
    await renewSubscription(ctx, id, 'usr_staff');
    const join = (seed: string) =>
      joinPool(ctx, { key, serverId: `srv_01kax5c1x8b2m4n6p8r0s2t${seed}`, fingerprint: machine(seed) });
    await join('001');
    await join('001');
    clock.advance(70 * DAY);
    // Two servers joining at once after the period ended: the subscription moves on once.
    await Promise.all([join('002'), join('003')]);
    const recorded = await actions(id);
    expect(recorded.slice(0, 3)).toEqual(['created', 'renewed', 'server_joined']);
    // The two racing joins and the one move they caused, in whichever order they committed.
    expect(recorded.slice(3).sort()).toEqual(['auto_renewed', 'server_joined', 'server_joined']);
    const renewal = (await auditTrail(ctx, { entityId: id })).find((entry) => entry.action === 'renewed');
    expect(renewal).toMatchObject({
      before: { periodEnds: '2026-12-23T12:00:00.000Z' },
      after: { periodEnds: '2027-01-23T12:00:00.000Z' },
    });
    expect(JSON.stringify(await auditTrail(ctx, {}))).not.toContain(key);
  });

  it('tells a key’s history with its activations, and nothing of another key’s', async () => {
    const [{ license }, other] = [await accountWithKey(ctx), await accountWithKey(ctx)];
    const bind = (key: string, seed: string) =>
      activate(ctx, {
        key,
        serverId: `srv_01kax5c1x8b2m4n6p8r0s2t${seed}`,
        fingerprint: machine(seed),
        nonce: nonce(),
      });
    expect((await bind(license.key, '041')).ok).toBe(true);
    expect((await bind(other.license.key, '042')).ok).toBe(true);
    expect((await refundKey(ctx, { licenseId: other.license.id, actor: 'usr_staff' })).ok).toBe(false);
    expect(await auditTrail(ctx, { licenseId: license.id })).toMatchObject([
      { entity: 'license', entityId: license.id, action: 'issued' },
      { entity: 'activation', action: 'activated', after: { licenseId: license.id } },
    ]);
    // The key's own entries alone, for a caller that names it as one thing.
    expect(await actions(license.id)).toEqual(['issued']);
  });
});
