import type { Insertable } from 'kysely';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';

/** Every query on the users and api_tokens tables; "not found" is `undefined`. */

export async function insertUser(
  db: Database,
  user: Insertable<Tables['users']>,
  token: Insertable<Tables['api_tokens']>,
): Promise<void> {
  await db.insertInto('users').values(user).execute();
  await db.insertInto('api_tokens').values(token).execute();
}

/** The user an API token belongs to, by the token's digest. */
export const userOfToken = (db: Database, tokenDigest: string) =>
  db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['users.id as userId', 'users.role', 'users.account_id as accountId'])
    .where('api_tokens.token_digest', '=', tokenDigest)
    .executeTakeFirst();

export async function userEmail(db: Database, id: string): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('email').where('id', '=', id).executeTakeFirst();
  return row?.email;
}

export async function hasStaff(db: Database): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('role', '=', 'staff').executeTakeFirst();
  return row !== undefined;
}

/** The vendor-staff user with this email (lower case), if any. */
export const staffByEmail = (db: Database, email: string) =>
  db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('role', '=', 'staff')
    .where('email', '=', email)
    .executeTakeFirst();

/** The emails of the users among `ids`, by id: how the audit log's actors read. */
export async function emailsOf(db: Database, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'email']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row.email]));
}

/** The users who may sign in as `email` (lower case) with a password: staff first, then the oldest. */
export const usersWithPassword = (db: Database, email: string) =>
  db
    .selectFrom('users')
    .select(['id as userId', 'role', 'account_id as accountId', 'email', 'password_hash as passwordHash'])
    .where('email', '=', email)
    .where('password_hash', 'is not', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();

/** Every user with this email (lower case), staff or of any account. */
export const usersByEmail = (db: Database, email: string) =>
  db.selectFrom('users').select(['id', 'account_id as accountId']).where('email', '=', email).execute();

export async function setPasswordHash(db: Database, userId: string, hash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
}

/** The users of an account, the owner first, each with whether they have set a password. */
export const accountUsers = (db: Database, accountId: string) =>
  db
    .selectFrom('users')
    .select(['id', 'email', 'role', 'created_at'])
    .select((eb) => eb('password_hash', 'is not', null).as('has_password'))
    .where('account_id', '=', accountId)
    .orderBy('role', 'desc')
    .orderBy('created_at')
    .orderBy('id')
    .execute();

export const accountUser = (db: Database, accountId: string, userId: string) =>
  db
    .selectFrom('users')
    .select(['id', 'email', 'role'])
    .where('account_id', '=', accountId)
    .where('id', '=', userId)
    .executeTakeFirst();

/**
 * Deletes a user with every way they had in: API tokens, web sessions, password links, gateway
 * organizations they administered. Support requests they filed stay with the account, in `heir`'s
 * name (each keeps the email of who asked). False when there was no such user to delete.
 */
export async function deleteUser(db: Database, userId: string, heir: string): Promise<boolean> {
  await db.deleteFrom('api_tokens').where('user_id', '=', userId).execute();
  await db.deleteFrom('web_sessions').where('user_id', '=', userId).execute();
  await db.deleteFrom('password_links').where('user_id', '=', userId).execute();
  await db.deleteFrom('organization_admins').where('user_id', '=', userId).execute();
  await db
    .updateTable('support_requests')
    .set({ requester_id: heir })
    .where('requester_id', '=', userId)
    .execute();
  const deleted = await db.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}
