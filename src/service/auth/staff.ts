import { fail, ok, type Result } from '../../domain/errors.js';
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import { newToken, tokenDigest } from '../secrets/seal.js';
import { type Database, isUniqueViolation } from '../store/database.js';
import { addUser, type NewUser } from './tokens.js';

const staffTaken = (email: string) => fail('email_taken', `Vendor staff ${email} already exists.`, 'email');

/** Adds a staff user and its first API token, and says so in the audit log (staff read it alone). */
async function addStaff(tx: Database, email: string, actor: string, now: Date): Promise<NewUser> {
  const staff = await addUser(tx, { accountId: null, email, role: 'staff' }, now);
  await recordAudit(tx, now, [
    {
      actor,
      accountId: null,
      entity: 'user',
      entityId: staff.userId,
      action: 'staff_created',
      after: { email, role: 'staff', tokenId: staff.tokenId },
    },
  ]);
  return staff;
}

/** A vendor-staff user; the unique index on staff emails settles concurrent creations. */
export async function createStaff(
  ctx: ServiceContext,
  email: string,
  actor = 'operator',
): Promise<Result<NewUser>> {
  const now = ctx.clock.now();
  try {
    const staff = await ctx.store.db.transaction().execute((tx) => addStaff(tx, email, actor, now));
    return ok(staff);
  } catch (error) {
    if (isUniqueViolation(error)) return staffTaken(email);
    throw error;
  }
}

const hasStaff = async (db: Database): Promise<boolean> =>
  (await db.selectFrom('users').select('id').where('role', '=', 'staff').executeTakeFirst()) !== undefined;

/**
 * On a store with no staff yet, makes the one-time token that creates the first staff user. There
 * is only ever one: of processes starting together, one makes it and the others return undefined.
 */
export async function createBootstrapToken(ctx: ServiceContext): Promise<string | undefined> {
  if (await hasStaff(ctx.store.db)) return undefined;
  const token = newToken('skb');
  const made = await ctx.store.db
    .insertInto('bootstrap_tokens')
    .values({
      id: 'first-staff',
      token_digest: tokenDigest(token),
      created_at: ctx.clock.now().getTime(),
      used_at: null,
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return made === undefined ? undefined : token;
}

/** Spends the bootstrap token on the first staff user: it works once, and only while there is no staff. */
export async function redeemBootstrapToken(
  ctx: ServiceContext,
  token: string,
  email: string,
): Promise<Result<NewUser>> {
  const now = ctx.clock.now();
  try {
    return await ctx.store.db.transaction().execute(async (tx) => {
      if (await hasStaff(tx)) {
        return fail(
          'bootstrap_token_invalid',
          'Vendor staff exist already: ask one of them to create your user.',
          'token',
        );
      }
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
      return ok(await addStaff(tx, email, 'bootstrap-token', now));
    });
  } catch (error) {
    if (isUniqueViolation(error)) return staffTaken(email);
    throw error;
  }
}
