import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { expectRefusal, value } from '../../../test/support/results.js';
import { linkForUser, passwordLinkHolder } from '../auth/password-links.js';
import type { Principal } from '../auth/principal.js';
import { resumeSession, startSession } from '../auth/sessions.js';
import { authenticate } from '../auth/tokens.js';
import type { ServiceContext } from '../context.js';
import { issueLicense } from '../licenses/operations.js';
import { listRequests, openRequest } from '../support/operations.js';
import { addMember, createAccount, listMembers, removeMember } from './operations.js';

describe.each(ENGINES)('an account’s members on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let owner: Principal & { kind: 'account' };
  let accountId: string;

  beforeEach(async () => {
    ctx = await testContext(engine, new ManualClock('2026-12-01T10:00:00.000Z'));
    const created = value(await createAccount(ctx, { email: 'owner@example.com' }));
    accountId = created.account.id;
    const principal = await authenticate(ctx, created.ownerToken);
    if (principal?.kind !== 'account') throw new Error('the owner token does not authenticate');
    owner = principal;
  });
  afterEach(async () => ctx.cleanup());

  it('removes a member once when two removals race: one succeeds, one audit entry', async () => {
    const member = value(await addMember(ctx, accountId, 'm@example.com', owner.userId));
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => removeMember(ctx, owner, accountId, member.userId)),
    );
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
    for (const refused of outcomes.filter((outcome) => !outcome.ok)) expectRefusal(refused, 'user_not_found');
    const removals = await ctx.store.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'member_removed')
      .execute();
    expect(removals).toHaveLength(1);
  });

  it('makes a member and their invitation together: the link sets the new member’s password', async () => {
    const added = value(
      await addMember(ctx, accountId, 'invited@example.com', owner.userId, { invite: true }),
    );
    expect(added.invitation?.purpose).toBe('invitation');
    expect(value(await passwordLinkHolder(ctx, added.invitation?.token ?? ''))).toEqual({
      email: 'invited@example.com',
      purpose: 'invitation',
    });
    expectRefusal(
      await addMember(ctx, accountId, 'invited@example.com', owner.userId, { invite: true }),
      'email_taken',
    );
    const links = await ctx.store.db.selectFrom('password_links').select('user_id').execute();
    expect(links).toEqual([{ user_id: added.userId }]);
  });

  it('lists the owner first, then members, with whether each set a password', async () => {
    value(await addMember(ctx, accountId, 'm@example.com', owner.userId));
    const members = value(await listMembers(ctx, owner, accountId));
    expect(members.map(({ email, role, hasPassword }) => ({ email, role, hasPassword }))).toEqual([
      { email: 'owner@example.com', role: 'owner', hasPassword: false },
      { email: 'm@example.com', role: 'member', hasPassword: false },
    ]);
  });

  it('removes a member: their token, sessions and links stop working, and it is in the audit log', async () => {
    const member = value(await addMember(ctx, accountId, 'm@example.com', owner.userId));
    const session = await startSession(ctx, member.userId);
    const link = value(await linkForUser(ctx, { userId: member.userId, actor: owner.userId })).token;
    expect(await authenticate(ctx, member.token)).toMatchObject({ role: 'member' });

    expect(value(await removeMember(ctx, owner, accountId, member.userId))).toEqual({
      userId: member.userId,
      email: 'm@example.com',
    });
    expect(await authenticate(ctx, member.token)).toBeUndefined();
    expect(await resumeSession(ctx, session)).toBeUndefined();
    expectRefusal(await passwordLinkHolder(ctx, link), 'password_link_invalid');
    expect(value(await listMembers(ctx, owner, accountId)).map((user) => user.email)).toEqual([
      'owner@example.com',
    ]);
    const audit = await ctx.store.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'before'])
      .where('action', '=', 'member_removed')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toBe(owner.userId);
    expect(JSON.parse(audit[0]?.before ?? '{}')).toMatchObject({ email: 'm@example.com' });
    // Removed already: unknown now.
    expectRefusal(await removeMember(ctx, owner, accountId, member.userId), 'user_not_found');
  });

  it('never removes the owner, refuses members, and treats another account’s user as unknown', async () => {
    const member = value(await addMember(ctx, accountId, 'm@example.com', owner.userId));
    expectRefusal(await removeMember(ctx, owner, accountId, owner.userId), 'owner_not_removable');
    const asMember = (await authenticate(ctx, member.token)) as Principal;
    expectRefusal(await removeMember(ctx, asMember, accountId, member.userId), 'forbidden');
    expectRefusal(await listMembers(ctx, asMember, accountId), 'forbidden');

    const other = value(await createAccount(ctx, { email: 'other@example.com' }));
    const stranger = value(await addMember(ctx, other.account.id, 's@example.com'));
    // Their user named through this account: unknown here, and still there.
    expectRefusal(await removeMember(ctx, owner, accountId, stranger.userId), 'user_not_found');
    expect(await authenticate(ctx, stranger.token)).toMatchObject({ role: 'member' });
    // This account's owner on the other account: no such account for them.
    expectRefusal(await removeMember(ctx, owner, other.account.id, stranger.userId), 'account_not_found');
    // Staff may remove a member of any account.
    const staff: Principal = { kind: 'staff', userId: 'usr_staff' };
    value(await removeMember(ctx, staff, other.account.id, stranger.userId));
    expect(await authenticate(ctx, stranger.token)).toBeUndefined();
    expect(await authenticate(ctx, member.token)).toMatchObject({ role: 'member' });
  });

  it('keeps the support requests a removed member opened, in the owner’s name with who asked', async () => {
    const member = value(await addMember(ctx, accountId, 'm@example.com', owner.userId));
    const license = value(await issueLicense(ctx, { accountId, connections: 10 }));
    const asMember = { kind: 'account', userId: member.userId, accountId, role: 'member' } as const;
    // A member proves the key is the account's: its key, its holder and its order number.
    value(
      await openRequest(ctx, asMember, {
        type: 'refund',
        licenseId: license.id,
        message: 'Bought by mistake.',
        licenseKey: license.key,
        primaryHolder: 'owner@example.com',
        orderNumber: license.orderNumber ?? '',
      }),
    );
    value(await removeMember(ctx, owner, accountId, member.userId));
    const [kept] = await listRequests(ctx, {});
    expect(kept).toMatchObject({ requesterEmail: 'm@example.com', status: 'open' });
    const stored = await ctx.store.db
      .selectFrom('support_requests')
      .select('requester_id')
      .executeTakeFirst();
    expect(stored?.requester_id).toBe(owner.userId);
  });
});
