import type { ServiceContext } from '../context.js';
import { newToken, tokenDigest } from '../secrets/seal.js';
import type { Database } from '../store/database.js';
import type { Principal } from './principal.js';
import { principalOf } from './tokens.js';

/** A session ends after this long unused… */
export const SESSION_IDLE_MS = 12 * 3_600_000;
/** …and this long after sign-in, however busy. */
export const SESSION_MAX_MS = 14 * 86_400_000;
/** Use is written down at most this often: a page view is a read, not a write. */
const TOUCH_EVERY_MS = 5 * 60_000;

export interface Session {
  principal: Principal;
  email: string;
  userId: string;
}

/** A new session for a user who just proved who they are; the token goes in the cookie only. */
export async function startSession(ctx: ServiceContext, userId: string): Promise<string> {
  const now = ctx.clock.now().getTime();
  const token = newToken('sks');
  await ctx.store.db
    .insertInto('web_sessions')
    .values({
      id: tokenDigest(token),
      user_id: userId,
      created_at: now,
      last_seen_at: now,
      expires_at: Math.min(now + SESSION_IDLE_MS, now + SESSION_MAX_MS),
    })
    .execute();
  return token;
}

/** Who holds this session token, while the session lasts; each use moves its idle end on. */
export async function resumeSession(ctx: ServiceContext, token: string): Promise<Session | undefined> {
  const now = ctx.clock.now().getTime();
  const id = tokenDigest(token);
  const row = await ctx.store.db
    .selectFrom('web_sessions')
    .innerJoin('users', 'users.id', 'web_sessions.user_id')
    .select([
      'users.id as userId',
      'users.role',
      'users.account_id as accountId',
      'users.email',
      'web_sessions.created_at as createdAt',
      'web_sessions.last_seen_at as lastSeenAt',
      'web_sessions.expires_at as expiresAt',
    ])
    .where('web_sessions.id', '=', id)
    .executeTakeFirst();
  if (row === undefined || row.expiresAt <= now) return undefined;
  const principal = principalOf(row);
  if (principal === undefined) return undefined;
  if (now - row.lastSeenAt >= TOUCH_EVERY_MS)
    await ctx.store.db
      .updateTable('web_sessions')
      .set({ last_seen_at: now, expires_at: Math.min(now + SESSION_IDLE_MS, row.createdAt + SESSION_MAX_MS) })
      .where('id', '=', id)
      .execute();
  return { principal, email: row.email, userId: row.userId };
}

export async function endSession(ctx: ServiceContext, token: string): Promise<void> {
  await ctx.store.db.deleteFrom('web_sessions').where('id', '=', tokenDigest(token)).execute();
}

/** Signs a user out everywhere: their password changed. */
export async function endSessionsOf(db: Database, userId: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('user_id', '=', userId).execute();
}

/** Forgets ended sessions and links that can no longer be used: the periodic job's tidy-up. */
export async function forgetEndedSignIns(ctx: ServiceContext): Promise<void> {
  const now = ctx.clock.now().getTime();
  await ctx.store.db.deleteFrom('web_sessions').where('expires_at', '<=', now).execute();
  await ctx.store.db.deleteFrom('password_links').where('expires_at', '<=', now).execute();
}
