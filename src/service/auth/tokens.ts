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
  user: { accountId: string | null; email: string; role: 'staff' | 'owner' | 'member' },
  now: Date,
): Promise<NewUser> {
  const userId = newId('usr', now.getTime());
  const tokenId = newId('tok', now.getTime());
  const token = newToken('skt');
  await insertUser(
    db,
    { id: userId, account_id: user.accountId, email: user.email, role: user.role, created_at: now.getTime() },
    { id: tokenId, user_id: userId, token_digest: tokenDigest(token), created_at: now.getTime() },
  );
  return { userId, email: user.email, token, tokenId };
}

export async function authenticate(ctx: ServiceContext, token: string): Promise<Principal | undefined> {
  const row = await userOfToken(ctx.store.db, tokenDigest(token));
  if (row === undefined) return undefined;
  if (row.role === 'staff') return { kind: 'staff', userId: row.userId };
  if (row.accountId === null) return undefined;
  return { kind: 'account', userId: row.userId, accountId: row.accountId, role: row.role };
}
