import type { Database } from '../store/database.js';
import type { AccountRow } from '../store/schema.js';

/** Every query on the accounts table; "not found" is `undefined`. */

const ACCOUNT_COLUMNS = ['id', 'email', 'name', 'created_at'] as const;

export async function insertAccount(db: Database, row: AccountRow): Promise<void> {
  await db.insertInto('accounts').values(row).execute();
}

export const accountById = (db: Database, id: string): Promise<AccountRow | undefined> =>
  db.selectFrom('accounts').select(ACCOUNT_COLUMNS).where('id', '=', id).executeTakeFirst();

/** By the registered admin email, stored in lower case. */
export const accountByEmail = (db: Database, email: string): Promise<AccountRow | undefined> =>
  db.selectFrom('accounts').select(ACCOUNT_COLUMNS).where('email', '=', email).executeTakeFirst();

export const allAccounts = (db: Database): Promise<AccountRow[]> =>
  db.selectFrom('accounts').select(ACCOUNT_COLUMNS).orderBy('id').execute();

export async function hasAccount(db: Database, id: string): Promise<boolean> {
  const row = await db.selectFrom('accounts').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}
