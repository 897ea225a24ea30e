import { fail, ok, type Result } from '../../domain/errors.js';
import type { ServiceContext } from '../context.js';
import { newToken, tokenDigest } from '../secrets/seal.js';
import { isUniqueViolation } from '../store/database.js';
import { addUser, type NewUser } from './tokens.js';

export async function createStaff(ctx: ServiceContext, email: string): Promise<Result<NewUser>> {
  const now = ctx.clock.now();
  const exists = await ctx.store.db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'staff')
    .where('email', '=', email)
    .executeTakeFirst();
  if (exists !== undefined) return fail('email_taken', `Vendor staff ${email} already exists.`, 'email');
  const staff = await ctx.store.db
    .transaction()
    .execute((tx) => addUser(tx, { accountId: null, email, role: 'staff' }, now));
  return ok(staff);
}

/**
 * On a store with no staff yet, makes a one-time token that creates the first staff user.
 * Returns undefined when staff exist or an unused bootstrap token was already made.
 */
export async function createBootstrapToken(ctx: ServiceContext): Promise<string | undefined> {
  const db = ctx.store.db;
  const staff = await db.selectFrom('users').select('id').where('role', '=', 'staff').executeTakeFirst();
  if (staff !== undefined) return undefined;
  const pending = await db
    .selectFrom('bootstrap_tokens')
    .select('token_digest')
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (pending !== undefined) return undefined;
  const token = newToken('skb');
  await db
    .insertInto('bootstrap_tokens')
    .values({ token_digest: tokenDigest(token), created_at: ctx.clock.now().getTime(), used_at: null })
    .execute();
  return token;
}

/** Spends a bootstrap token on the first staff user; a token works once, even under races. */
export async function redeemBootstrapToken(
  ctx: ServiceContext,
  token: string,
  email: string,
): Promise<Result<NewUser>> {
  const now = ctx.clock.now();
  try {
    return await ctx.store.db.transaction().execute(async (tx) => {
      const spent = await tx
        .updateTable('bootstrap_tokens')
        .set({ used_at: now.getTime() })
        .where('token_digest', '=', tokenDigest(token))
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (spent.numUpdatedRows === 0n) {
        return fail(
          'bootstrap_token_invalid',
          'The bootstrap token is unknown or was already used.',
          'token',
        );
      }
      return ok(await addUser(tx, { accountId: null, email, role: 'staff' }, now));
    });
  } catch (error) {
    if (isUniqueViolation(error))
      return fail('email_taken', `Vendor staff ${email} already exists.`, 'email');
    throw error;
  }
}
