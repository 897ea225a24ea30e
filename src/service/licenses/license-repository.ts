import type { Updateable } from 'kysely';
import type { ReminderMark } from '../../domain/reminders.js';
import { notReminded } from '../reminders/reminder-repository.js';
import type { Database } from '../store/database.js';
import type { LicenseRow, LicensesTable, NewLicense } from '../store/schema.js';

/**
 * Every query on the licenses table, for every feature that reads keys (licenses, activation,
 * reminders, support). `db` is the store or the caller's transaction; "not found" is `undefined`.
 */

const LICENSE_COLUMNS = [
  'licenses.id',
  'licenses.account_id',
  'licenses.kind',
  'licenses.key_digest',
  'licenses.key_sealed',
  'licenses.key_hint',
  'licenses.seats',
  'licenses.term_years',
  'licenses.purchased_at',
  'licenses.starts_at',
  'licenses.ends_at',
  'licenses.revoked_at',
  'licenses.created_at',
  'licenses.version',
  'licenses.ended_reason',
  'licenses.parent_id',
  'licenses.failover_of',
  'licenses.order_number',
  'licenses.legacy',
] as const;

/** A key with the server it is bound to, if any. */
export type BoundLicenseRow = LicenseRow & {
  server_id: string | null;
  hostname: string | null;
  activated_at: number | null;
};

export async function insertLicenses(db: Database, rows: NewLicense | readonly NewLicense[]): Promise<void> {
  await db.insertInto('licenses').values(rows).execute();
}

/** Keys with their bindings, by id order: one key, an account's, or all of them. */
export function boundLicenses(
  db: Database,
  filter: { id?: string; accountId?: string | undefined },
): Promise<BoundLicenseRow[]> {
  let query = db
    .selectFrom('licenses')
    .leftJoin('activations', 'activations.license_id', 'licenses.id')
    .select(LICENSE_COLUMNS)
    .select(['activations.server_id', 'activations.hostname', 'activations.activated_at'])
    .orderBy('licenses.id');
  if (filter.id !== undefined) query = query.where('licenses.id', '=', filter.id);
  if (filter.accountId !== undefined) query = query.where('licenses.account_id', '=', filter.accountId);
  return query.execute();
}

/**
 * What the keys `boundLicenses` returns for `filter` link to, by id order: the keys made from them
 * (`parent_id`: replacements and split parts) and the keys their failover keys stand in for.
 */
export async function linkedKeys(
  db: Database,
  filter: { id?: string; accountId?: string | undefined },
): Promise<{ childrenOf: Map<string, { id: string; keyHint: string }[]>; hintOf: Map<string, string> }> {
  const listed = () => {
    let query = db.selectFrom('licenses');
    if (filter.id !== undefined) query = query.where('licenses.id', '=', filter.id);
    if (filter.accountId !== undefined) query = query.where('licenses.account_id', '=', filter.accountId);
    return query;
  };
  const [children, originals] = await Promise.all([
    db
      .selectFrom('licenses as child')
      .select(['child.id', 'child.key_hint', 'child.parent_id'])
      .where('child.parent_id', 'in', listed().select('licenses.id'))
      .orderBy('child.id')
      .execute(),
    db
      .selectFrom('licenses as original')
      .select(['original.id', 'original.key_hint'])
      .where(
        'original.id',
        'in',
        listed().select('licenses.failover_of').where('licenses.failover_of', 'is not', null),
      )
      .execute(),
  ]);
  const childrenOf = new Map<string, { id: string; keyHint: string }[]>();
  for (const child of children) {
    if (child.parent_id === null) continue;
    const siblings = childrenOf.get(child.parent_id) ?? [];
    siblings.push({ id: child.id, keyHint: child.key_hint });
    childrenOf.set(child.parent_id, siblings);
  }
  return { childrenOf, hintOf: new Map(originals.map((row) => [row.id, row.key_hint])) };
}

export const licenseByDigest = (db: Database, keyDigest: string): Promise<LicenseRow | undefined> =>
  db.selectFrom('licenses').select(LICENSE_COLUMNS).where('key_digest', '=', keyDigest).executeTakeFirst();

export const licenseOfAccount = (
  db: Database,
  id: string,
  accountId: string,
): Promise<LicenseRow | undefined> =>
  db
    .selectFrom('licenses')
    .select(LICENSE_COLUMNS)
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();

/** Whether the account holds a key neither ended nor past its term. */
export async function hasKeyInTerm(db: Database, accountId: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('licenses')
    .select('id')
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .where('ends_at', '>', now.getTime())
    .executeTakeFirst();
  return row !== undefined;
}

/** The key's row as it is now, without taking it: for a check ahead of the change. */
export const licenseById = (db: Database, id: string): Promise<LicenseRow | undefined> =>
  db.selectFrom('licenses').select(LICENSE_COLUMNS).where('id', '=', id).executeTakeFirst();

/**
 * Takes the key's row for the caller's transaction (a write, so that it serializes on both
 * engines): rival changes to one key, and its activation, run one after another.
 */
export const takeLicense = (db: Database, id: string): Promise<LicenseRow | undefined> =>
  db
    .updateTable('licenses')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .returning(LICENSE_COLUMNS)
    .executeTakeFirst();

/** Whether the key, or its failover key, is activated. */
export async function isKeyActivated(db: Database, id: string): Promise<boolean> {
  const activation = await db
    .selectFrom('activations')
    .select('activations.id')
    .leftJoin('licenses', 'licenses.id', 'activations.license_id')
    .where((eb) => eb.or([eb('activations.license_id', '=', id), eb('licenses.failover_of', '=', id)]))
    .executeTakeFirst();
  return activation !== undefined;
}

export type LicenseChange = Partial<
  Pick<LicensesTable, 'revoked_at' | 'ended_reason' | 'starts_at' | 'ends_at' | 'term_years'>
>;

export async function updateLicense(db: Database, id: string, changed: LicenseChange): Promise<void> {
  await db.updateTable('licenses').set(changed).where('id', '=', id).execute();
}

/** What happens to a key happens to its failover key, unless that one has ended. */
export async function updateFailoverOf(
  db: Database,
  originalId: string,
  changed: LicenseChange,
): Promise<void> {
  await db
    .updateTable('licenses')
    .set(changed)
    .where('failover_of', '=', originalId)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function failoverKeyOf(db: Database, originalId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('licenses')
    .select('id')
    .where('failover_of', '=', originalId)
    .executeTakeFirst();
  return row?.id;
}

/** Moves keys, and the failover keys that stand in for them, to another account. */
export async function moveLicenses(db: Database, ids: readonly string[], toAccountId: string): Promise<void> {
  const moved: Updateable<LicensesTable> = { account_id: toAccountId };
  await db.updateTable('licenses').set(moved).where('id', 'in', ids).execute();
  await db.updateTable('licenses').set(moved).where('failover_of', 'in', ids).execute();
}

/**
 * Keys in use (not revoked, refunded, split or replaced) ending inside `window` that have no
 * reminder at its mark yet. A failover key ends with its original, whose reminder covers both.
 */
export const keysEndingWithin = (db: Database, window: { after: number; upTo: number; mark: ReminderMark }) =>
  db
    .selectFrom('licenses')
    .select(['id', 'account_id', 'starts_at', 'ends_at'])
    .where('ends_at', '>', window.after)
    .where('ends_at', '<=', window.upTo)
    .where('revoked_at', 'is', null)
    .where('failover_of', 'is', null)
    .where(notReminded('license', 'licenses.id', 'licenses.ends_at', window.mark))
    .execute();

/** What a reminder email says of keys: their figures, their machine, their account's email. */
export const remindedKeys = (db: Database, ids: readonly string[]) =>
  db
    .selectFrom('licenses')
    .leftJoin('activations', 'activations.license_id', 'licenses.id')
    .innerJoin('accounts', 'accounts.id', 'licenses.account_id')
    .select([
      'licenses.id',
      'licenses.account_id',
      'licenses.starts_at',
      'licenses.ends_at',
      'licenses.revoked_at',
      'licenses.key_hint',
      'licenses.seats',
      'licenses.order_number',
      'licenses.legacy',
      'activations.hostname',
      'accounts.email',
    ])
    .where('licenses.id', 'in', ids)
    .execute();

/**
 * A key looked up by its digest with its binding and, once replaced, its replacement: one indexed
 * lookup, what an agent's regular check of its key needs.
 */
export const keyStateByDigest = (db: Database, keyDigest: string) =>
  db
    .selectFrom('licenses')
    .leftJoin('activations', 'activations.license_id', 'licenses.id')
    .leftJoin('licenses as replacement', (join) =>
      join.onRef('replacement.parent_id', '=', 'licenses.id').on('licenses.ended_reason', '=', 'replaced'),
    )
    .select([
      'licenses.id',
      'licenses.key_hint',
      'licenses.seats',
      'licenses.starts_at',
      'licenses.ends_at',
      'licenses.revoked_at',
      'licenses.ended_reason',
      'licenses.failover_of',
      'licenses.legacy',
      'activations.server_id',
      'replacement.id as replacement_id',
      'replacement.key_hint as replacement_key_hint',
    ])
    .where('licenses.key_digest', '=', keyDigest)
    .executeTakeFirst();
