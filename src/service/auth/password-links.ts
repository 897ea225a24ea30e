import { fail, ok, type Result } from '../../domain/errors.js';
import { checkNewPassword, hashPassword } from '../../domain/password.js';
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import { newToken, tokenDigest } from '../secrets/seal.js';
import type { Database } from '../store/database.js';
import { inTransaction } from '../store/transaction.js';
import { endSessionsOf } from './sessions.js';
import { setPasswordHash } from './user-repository.js';

/** A reset link is good for an hour; an invitation to a new user for a week. */
export const LINK_LIFETIME_MS = { reset: 3_600_000, invitation: 7 * 86_400_000 } as const;

export type LinkPurpose = keyof typeof LINK_LIFETIME_MS;

/** The path a link's token opens: the page that sets the password. */
export const passwordLinkPath = (token: string): string => `/password/set?token=${encodeURIComponent(token)}`;

/** A link just made: its token is shown or sent once, never stored. */
export interface PasswordLink {
  token: string;
  userId: string;
  email: string;
  purpose: LinkPurpose;
  expiresAt: string;
}

/**
 * A one-use token that lets its holder set a user's password, inside the caller's transaction,
 * with its audit entry: whoever made a link for whom is on record (it could take the account over).
 */
export async function issuePasswordLink(
  tx: Database,
  input: {
    user: { id: string; accountId: string | null; email: string };
    purpose: LinkPurpose;
    actor: string;
  },
  now: Date,
): Promise<PasswordLink> {
  const token = newToken('skp');
  const expiresAt = now.getTime() + LINK_LIFETIME_MS[input.purpose];
  await tx
    .insertInto('password_links')
    .values({
      token_digest: tokenDigest(token),
      user_id: input.user.id,
      purpose: input.purpose,
      created_at: now.getTime(),
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  await recordAudit(tx, now, [
    {
      actor: input.actor,
      accountId: input.user.accountId,
      entity: 'user',
      entityId: input.user.id,
      action: 'password_link_issued',
      after: { purpose: input.purpose },
    },
  ]);
  return {
    token,
    userId: input.user.id,
    email: input.user.email,
    purpose: input.purpose,
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

/** A user a link may be made for: an invitation while they have no password, a reset after. */
const purposeOf = (user: { password_hash: string | null }): LinkPurpose =>
  user.password_hash === null ? 'invitation' : 'reset';

/** A link for one user (staff or the account's owner made it), in a transaction of its own. */
export async function linkForUser(
  ctx: ServiceContext,
  input: { userId: string; actor: string },
): Promise<Result<PasswordLink>> {
  const now = ctx.clock.now();
  // Read before the transaction: on SQLite a transaction that reads first cannot then take the
  // write lock while another process holds it. A user is never renamed, only removed.
  const user = await ctx.store.db
    .selectFrom('users')
    .select(['id', 'account_id', 'email', 'password_hash'])
    .where('id', '=', input.userId)
    .executeTakeFirst();
  if (user === undefined) return fail('user_not_found', `There is no user ${input.userId}.`, 'userId');
  const holder = { id: user.id, accountId: user.account_id, email: user.email };
  return inTransaction(ctx.store.db, async (tx) =>
    ok(await issuePasswordLink(tx, { user: holder, purpose: purposeOf(user), actor: input.actor }, now)),
  );
}

/** A reset link asked for from the sign-in page is made at most this often for one user. */
export const RESET_EVERY_MS = 5 * 60_000;

/**
 * "Forgot your password?": a reset link for each user with this email, unless one was made in
 * the last few minutes, so that the form cannot flood a mailbox or the table.
 */
export async function requestPasswordReset(ctx: ServiceContext, email: string): Promise<PasswordLink[]> {
  const now = ctx.clock.now();
  const made = await inTransaction(ctx.store.db, async (tx) => {
    // A write first, touching nothing: it takes SQLite's write lock and PostgreSQL's row locks on
    // the users asked about, so requests sent at once see each other's links and make one.
    const users = await tx
      .updateTable('users')
      .set((eb) => ({ email: eb.ref('email') }))
      .where('email', '=', email)
      .where('password_hash', 'is not', null)
      .returning(['id', 'account_id', 'email'])
      .execute();
    const links: PasswordLink[] = [];
    for (const user of users) {
      const recent = await tx
        .selectFrom('password_links')
        .select('token_digest')
        .where('user_id', '=', user.id)
        .where('purpose', '=', 'reset')
        .where('created_at', '>', now.getTime() - RESET_EVERY_MS)
        .executeTakeFirst();
      if (recent !== undefined) continue;
      const holder = { id: user.id, accountId: user.account_id, email: user.email };
      links.push(await issuePasswordLink(tx, { user: holder, purpose: 'reset', actor: user.id }, now));
    }
    return ok(links);
  });
  return made.ok ? made.value : [];
}

const unusable = () =>
  fail(
    'password_link_invalid',
    'This link is unknown, was used already or has expired: ask for a new one on the sign-in page.',
    'token',
  );

/** Whose password the link sets, while it can still be used. */
export async function passwordLinkHolder(
  ctx: ServiceContext,
  token: string,
): Promise<Result<{ email: string; purpose: LinkPurpose }>> {
  const row = await ctx.store.db
    .selectFrom('password_links')
    .innerJoin('users', 'users.id', 'password_links.user_id')
    .select(['users.email', 'password_links.purpose', 'password_links.expires_at', 'password_links.used_at'])
    .where('password_links.token_digest', '=', tokenDigest(token))
    .executeTakeFirst();
  if (row === undefined || row.used_at !== null || row.expires_at <= ctx.clock.now().getTime())
    return unusable();
  return ok({ email: row.email, purpose: row.purpose });
}

/**
 * Spends the link on a new password: once, before it expires. The user's sessions end, so a
 * reset after a stolen session closes it.
 */
export async function setPasswordWithLink(
  ctx: ServiceContext,
  token: string,
  password: string,
): Promise<Result<{ userId: string }>> {
  const checked = checkNewPassword(password);
  if (!checked.ok) return checked;
  const hash = await hashPassword(password);
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    // The write first: it takes the lock, and a second use of the link finds it spent.
    const spent = await tx
      .updateTable('password_links')
      .set({ used_at: now.getTime() })
      .where('token_digest', '=', tokenDigest(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now.getTime())
      .returning(['user_id', 'purpose'])
      .executeTakeFirst();
    if (spent === undefined) return unusable();
    await setPasswordHash(tx, spent.user_id, hash);
    await endSessionsOf(tx, spent.user_id);
    // Any other link of the user's (an older reset, the invitation staff saw) ends with this one.
    await tx
      .updateTable('password_links')
      .set({ used_at: now.getTime() })
      .where('user_id', '=', spent.user_id)
      .where('used_at', 'is', null)
      .execute();
    const user = await tx
      .selectFrom('users')
      .select('account_id')
      .where('id', '=', spent.user_id)
      .executeTakeFirstOrThrow();
    await recordAudit(tx, now, [
      {
        actor: spent.user_id,
        accountId: user.account_id,
        entity: 'user',
        entityId: spent.user_id,
        action: spent.purpose === 'reset' ? 'password_reset' : 'password_set',
        after: {},
      },
    ]);
    return ok({ userId: spent.user_id });
  });
}

/**
 * A link for the user with this email to set their password: an invitation while they have
 * none, a reset once they have one. An email used in several accounts needs the account named.
 */
export async function passwordLinkFor(
  ctx: ServiceContext,
  input: { email: string; accountId?: string | undefined; actor: string },
): Promise<Result<PasswordLink>> {
  let query = ctx.store.db.selectFrom('users').select('id').where('email', '=', input.email);
  if (input.accountId !== undefined) query = query.where('account_id', '=', input.accountId);
  const users = await query.execute();
  const [user] = users;
  if (user === undefined)
    return fail(
      'user_not_found',
      `There is no user ${input.email}${input.accountId === undefined ? '' : ` in ${input.accountId}`}.`,
      'email',
    );
  if (users.length > 1)
    return fail(
      'validation_failed',
      `${input.email} is a user of ${users.length} accounts: name the account.`,
      'account',
    );
  return linkForUser(ctx, { userId: user.id, actor: input.actor });
}
