import { newId } from '../../domain/ids.js';
import type { ServiceContext } from '../context.js';
import { newToken, tokenDigest } from '../secrets/seal.js';
import type { Database } from '../store/database.js';
import type { Principal } from './principal.js';

/** Makes an API token for a user; the token is returned once and stored only as its digest. */
export async function issueApiToken(db: Database, userId: string, now: Date): Promise<string> {
  const token = newToken('skt');
  await db
    .insertInto('api_tokens')
    .values({
      id: newId('tok', now.getTime()),
      user_id: userId,
      token_digest: tokenDigest(token),
      created_at: now.getTime(),
    })
    .execute();
  return token;
}

export async function authenticate(ctx: ServiceContext, token: string): Promise<Principal | undefined> {
  const row = await ctx.store.db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['users.id as userId', 'users.role', 'users.account_id as accountId'])
    .where('api_tokens.token_digest', '=', tokenDigest(token))
    .executeTakeFirst();
  if (row === undefined) return undefined;
  if (row.role === 'staff') return { kind: 'staff', userId: row.userId };
  if (row.accountId === null) return undefined;
  return { kind: 'account', userId: row.userId, accountId: row.accountId, role: row.role };
}
