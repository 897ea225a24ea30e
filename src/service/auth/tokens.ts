import type { NewUser } from '../../contract/accounts.js';
import { newId } from '../../domain/ids.js';
import type { ServiceContext } from '../context.js';
import { newToken, tokenDigest } from '../secrets/seal.js';
import type { Database } from '../store/database.js';
import type { Principal } from './principal.js';
import { insertUser, userOfToken } from './user-repository.js';

/** A user just made; its first API token is returned once, stored only as its digest. */
export type { NewUser };

/** Adds a user (staff, or an account's owner or member) with an API token, inside the caller's transaction. */
export async function addUser(
  db: Database,
  user: {
    accountId: string | null;
    email: string;
    role: 'staff' | 'owner' | 'member';
    /** For the pages' sign-in; without one the user signs in once a password link set it. */
    passwordHash?: string | undefined;
  },
  now: Date,
): Promise<NewUser> {
  const userId = newId('usr', now.getTime());
  const tokenId = newId('tok', now.getTime());
  const token = newToken('skt');
  await insertUser(
    db,
    {
      id: userId,
      account_id: user.accountId,
      email: user.email,
      role: user.role,
      created_at: now.getTime(),
      password_hash: user.passwordHash ?? null,
    },
    { id: tokenId, user_id: userId, token_digest: tokenDigest(token), created_at: now.getTime() },
  );
  return { userId, email: user.email, token, tokenId };
}

/** Who a user row is: staff, or an account's owner or member. */
export function principalOf(row: {
  userId: string;
  role: 'staff' | 'owner' | 'member';
  accountId: string | null;
}): Principal | undefined {
  if (row.role === 'staff') return { kind: 'staff', userId: row.userId };
  if (row.accountId === null) return undefined;
  return { kind: 'account', userId: row.userId, accountId: row.accountId, role: row.role };
}

export async function authenticate(ctx: ServiceContext, token: string): Promise<Principal | undefined> {
  const row = await userOfToken(ctx.store.db, tokenDigest(token));
  return row === undefined ? undefined : principalOf(row);
}
