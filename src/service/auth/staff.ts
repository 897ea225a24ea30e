import { fail, ok, type Result } from '../../domain/errors.js';
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import { derivedToken, tokenDigest } from '../secrets/seal.js';
import type { Database } from '../store/database.js';
import { inTransaction } from '../store/transaction.js';
import { refuseConflict } from '../store/unique.js';
import { addUser, type NewUser } from './tokens.js';
import { hasStaff, staffByEmail } from './user-repository.js';

const staffTaken = (email: string) => fail('email_taken', `Vendor staff ${email} already exists.`, 'email');

/** Adds a staff user and its first API token, and says so in the audit log (staff read it alone). */
async function addStaff(
  tx: Database,
  email: string,
  actor: string,
  now: Date,
  passwordHash?: string,
): Promise<NewUser> {
  const staff = await addUser(tx, { accountId: null, email, role: 'staff', passwordHash }, now);
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

/** The vendor-staff user with this email (already normalized): who acts, for the audit log. */
export async function findStaff(
  ctx: ServiceContext,
  email: string,
): Promise<Result<{ userId: string; email: string }>> {
  const staff = await staffByEmail(ctx.store.db, email);
  return staff === undefined
    ? fail(
        'staff_not_found',
        `There is no vendor-staff user ${email}: name one that \`seatkeeper staff create\` made.`,
        'email',
      )
    : ok({ userId: staff.id, email: staff.email });
}

/** A vendor-staff user; the unique index on staff emails settles concurrent creations. */
export async function createStaff(
  ctx: ServiceContext,
  email: string,
  actor = 'operator',
): Promise<Result<NewUser>> {
  const now = ctx.clock.now();
  return refuseConflict(
    () => inTransaction(ctx.store.db, async (tx) => ok(await addStaff(tx, email, actor, now))),
    () => staffTaken(email),
    'users.email',
  );
}

/**
 * The bootstrap token is derived from the data key and the time its row was made: every start, and
 * every instance sharing the data key, can print it again until it is spent, while the store keeps
 * only its digest.
 */
const bootstrapTokenOf = (ctx: ServiceContext, createdAt: number): string =>
  derivedToken('skb', ctx.vendor.dataKey, `seatkeeper-bootstrap-token:${createdAt}`);

/**
 * On a store with no staff yet, the token that creates the first staff user: made at the first
 * start, and the same one at every start after, so a start that fails or whose output is lost
 * loses nothing. Undefined once a staff user exists.
 */
export async function createBootstrapToken(ctx: ServiceContext): Promise<string | undefined> {
  const { db } = ctx.store;
  if (await hasStaff(db)) return undefined;
  const now = ctx.clock.now().getTime();
  await db
    .insertInto('bootstrap_tokens')
    .values({
      id: 'first-staff',
      token_digest: tokenDigest(bootstrapTokenOf(ctx, now)),
      created_at: now,
      used_at: null,
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
  const row = await db
    .selectFrom('bootstrap_tokens')
    .select(['token_digest', 'created_at', 'used_at'])
    .where('id', '=', 'first-staff')
    .executeTakeFirstOrThrow();
  if (row.used_at !== null) return undefined;
  const token = bootstrapTokenOf(ctx, row.created_at);
  // A stored random token (older stores have one) cannot be printed again: this one replaces it.
  if (row.token_digest !== tokenDigest(token))
    await db
      .updateTable('bootstrap_tokens')
      .set({ token_digest: tokenDigest(token) })
      .where('id', '=', 'first-staff')
      .where('used_at', 'is', null)
      .execute();
  return token;
}

/** Spends the bootstrap token on the first staff user: it works once, and only while there is no staff. */
export async function redeemBootstrapToken(
  ctx: ServiceContext,
  token: string,
  email: string,
  passwordHash?: string,
): Promise<Result<NewUser>> {
  const now = ctx.clock.now();
  const redeem = () =>
    inTransaction(ctx.store.db, async (tx) => {
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
      return ok(await addStaff(tx, email, 'bootstrap-token', now, passwordHash));
    });
  return refuseConflict(redeem, () => staffTaken(email), 'users.email');
}
