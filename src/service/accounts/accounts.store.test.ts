import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { expectRefusal } from '../../../test/support/results.js';
import { createBootstrapToken, createStaff, redeemBootstrapToken } from '../auth/staff.js';
import { authenticate } from '../auth/tokens.js';
import type { ServiceContext } from '../context.js';
import { addMember, createAccount, listAccounts, listMembers } from './operations.js';

describe.each(ENGINES)('accounts and staff on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };

  beforeEach(async () => {
    ctx = await testContext(engine, new ManualClock());
  });
  afterEach(async () => ctx.cleanup());

  it('creates an account whose owner token authenticates as that account', async () => {
    const created = await createAccount(ctx, { email: 'admin@example.com', name: 'Example' });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const principal = await authenticate(ctx, created.value.ownerToken);
    expect(principal).toEqual({
      kind: 'account',
      userId: expect.any(String),
      accountId: created.value.account.id,
      role: 'owner',
    });
    const tokens = await ctx.store.db.selectFrom('api_tokens').select('token_digest').execute();
    expect(JSON.stringify(tokens)).not.toContain(created.value.ownerToken);
  });

  it('keeps one registered admin email per account, unique across accounts', async () => {
    expect((await createAccount(ctx, { email: 'admin@example.com' })).ok).toBe(true);
    const again = await createAccount(ctx, { email: 'admin@example.com' });
    expectRefusal(again, 'email_taken');
    expect(await listAccounts(ctx)).toHaveLength(1);
  });

  it('refuses a name with control characters, storing nothing', async () => {
    for (const name of ['Acme\u0000', 'Acme\nACTION REQUIRED', 'Acme\u001b[2J']) {
      expect(await createAccount(ctx, { email: 'admin@example.com', name })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', field: 'name' },
      });
    }
    expect(await listAccounts(ctx)).toHaveLength(0);
  });

  it('adds members who see the account but do not own it', async () => {
    const created = await createAccount(ctx, { email: 'owner@example.com' });
    if (!created.ok) throw new Error('setup');
    const member = await addMember(ctx, created.value.account.id, 'colleague@example.com');
    expect(member.ok).toBe(true);
    if (!member.ok) return;
    expect(await authenticate(ctx, member.value.token)).toMatchObject({
      role: 'member',
      accountId: created.value.account.id,
    });
    const twice = await addMember(ctx, created.value.account.id, 'colleague@example.com');
    expectRefusal(twice, 'email_taken');
  });

  it('makes a bootstrap token, the same again at every start, that creates the first staff user once', async () => {
    const token = await createBootstrapToken(ctx);
    expect(token).toMatch(/^skb_/);
    expect(await createBootstrapToken(ctx)).toBe(token);
    // Every column, on purpose: whatever is added to the table must not hold the token either.
    const stored = await ctx.store.db.selectFrom('bootstrap_tokens').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);
    const [first, second] = await Promise.all([
      redeemBootstrapToken(ctx, token ?? '', 'first@vendor.example'),
      redeemBootstrapToken(ctx, token ?? '', 'second@vendor.example'),
    ]);
    expect([first.ok, second.ok].filter(Boolean)).toHaveLength(1);
    const winner = first.ok ? first.value : second.ok ? second.value : undefined;
    expect(await authenticate(ctx, winner?.token ?? '')).toMatchObject({ kind: 'staff' });
    expect(await createBootstrapToken(ctx)).toBeUndefined();
  });

  it('refuses a second staff user with the same email, also when both are created at once', async () => {
    const [first, second] = await Promise.all([
      createStaff(ctx, 'ops@vendor.example'),
      createStaff(ctx, 'ops@vendor.example'),
    ]);
    expect([first.ok, second.ok].filter(Boolean)).toHaveLength(1);
    const again = await createStaff(ctx, 'ops@vendor.example');
    expectRefusal(again, 'email_taken');
    expect(
      await ctx.store.db.selectFrom('users').select('id').where('role', '=', 'staff').execute(),
    ).toHaveLength(1);
  });

  it('makes one bootstrap token even when several starts ask at once, and none once staff exist', async () => {
    const tokens = await Promise.all([
      createBootstrapToken(ctx),
      createBootstrapToken(ctx),
      createBootstrapToken(ctx),
    ]);
    expect(new Set(tokens).size).toBe(1);
    await createStaff(ctx, 'ops@vendor.example');
    expect(await createBootstrapToken(ctx)).toBeUndefined();
    const late = await redeemBootstrapToken(ctx, tokens[0] ?? '', 'late@vendor.example');
    expectRefusal(late, 'bootstrap_token_invalid');
  });

  it('gives a store whose first token was lost a bootstrap token that works', async () => {
    // What an earlier version left: the digest of a random token nobody can print again.
    await ctx.store.db
      .insertInto('bootstrap_tokens')
      .values({ id: 'first-staff', token_digest: 'f'.repeat(64), created_at: 0, used_at: null })
      .execute();
    const token = await createBootstrapToken(ctx);
    const first = await redeemBootstrapToken(ctx, token ?? '', 'first@vendor.example');
    expect(first.ok && (await authenticate(ctx, first.value.token))).toMatchObject({ kind: 'staff' });
  });
  it('lists an account’s users, the owner first, and whether each has set a password', async () => {
    const created = await createAccount(ctx, { email: 'admin@example.com', name: 'Example' });
    if (!created.ok) throw new Error(created.error.detail);
    const id = created.value.account.id;
    await addMember(ctx, id, 'colleague@example.com');
    await createAccount(ctx, { email: 'other@example.com' });
    const members = await listMembers(ctx, { kind: 'staff', userId: 'operator' }, id);
    expect(members.ok && members.value).toEqual([
      expect.objectContaining({ email: 'admin@example.com', role: 'owner', hasPassword: false }),
      expect.objectContaining({ email: 'colleague@example.com', role: 'member', hasPassword: false }),
    ]);
  });
});
