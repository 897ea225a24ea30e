import { type Insertable, type SqlBool, sql, type Updateable } from 'kysely';
import type { ReminderMark } from '../../domain/reminders.js';
import type { Database, Store } from '../store/database.js';
import type { ReminderRow, RemindersTable } from '../store/schema.js';

/**
 * Every query on the reminders table (the keys and subscriptions to remind of are read through
 * their own rooms' repositories).
 */

/** A reminder found due, before it is recorded. */
export interface Candidate {
  subject: RemindersTable['subject'];
  subjectId: string;
  accountId: string;
  endsAt: number;
  mark: ReminderMark;
}

const REMINDER_COLUMNS = [
  'id',
  'subject',
  'subject_id',
  'account_id',
  'ends_at',
  'days_before',
  'status',
  'attempts',
  'not_before',
  'claimed_by',
  'last_error',
  'message_id',
  'sent_at',
  'created_at',
] as const;

/** How long a claim is held, renewed before each send: far longer than a send may take (`SEND_DEADLINE_MS`). */
export const CLAIM_LEASE_MS = 5 * 60_000;
export const CLAIM_BATCH = 100;
const INSERT_CHUNK = 500;

/** That no reminder is recorded yet for this subject's end at `mark`: for the queries of due subjects. */
export const notReminded = (
  subject: ReminderRow['subject'],
  id: string,
  endsAt: string,
  mark: ReminderMark,
) =>
  sql<SqlBool>`not exists (select 1 from reminders where reminders.subject = ${subject}
    and reminders.subject_id = ${sql.ref(id)} and reminders.ends_at = ${sql.ref(endsAt)}
    and reminders.days_before = ${mark})`;

/** Records reminders; one already recorded (by this or another process) is left as it is. Returns how many are new. */
export async function recordReminders(
  db: Database,
  rows: readonly Insertable<RemindersTable>[],
): Promise<number> {
  let recorded = 0;
  // In chunks: one statement may carry only so many values (SQLite: 32,766).
  for (let at = 0; at < rows.length; at += INSERT_CHUNK) {
    const inserted = await db
      .insertInto('reminders')
      .values(rows.slice(at, at + INSERT_CHUNK))
      .onConflict((conflict) =>
        conflict.columns(['subject', 'subject_id', 'ends_at', 'days_before']).doNothing(),
      )
      .executeTakeFirst();
    recorded += Number(inserted.numInsertedOrUpdatedRows ?? 0n);
  }
  return recorded;
}

/**
 * Takes due reminders for this process, in one statement. On PostgreSQL rows another process is
 * claiming are skipped, not waited for; on SQLite writers take turns. Either way the update checks
 * each row is still pending and due as it takes it, so each row goes to one process.
 */
export async function claimDue(
  store: Pick<Store, 'db' | 'engine'>,
  runner: string,
  now: number,
): Promise<ReminderRow[]> {
  const due = store.db
    .selectFrom('reminders')
    .select('id')
    .where('status', '=', 'pending')
    .where('not_before', '<=', now)
    .orderBy('not_before')
    .limit(CLAIM_BATCH);
  return store.db
    .updateTable('reminders')
    .set((eb) => ({ claimed_by: runner, not_before: now + CLAIM_LEASE_MS, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', store.engine === 'postgres' ? due.forUpdate().skipLocked() : due)
    .where('status', '=', 'pending')
    .where('not_before', '<=', now)
    .returning(REMINDER_COLUMNS)
    .execute();
}

const idsOf = (rows: readonly ReminderRow[]) => rows.map((row) => row.id);

/** Changes reminders this process still holds; one taken over by another process is left alone. */
export async function updateClaimed(
  db: Database,
  reminders: readonly ReminderRow[],
  runner: string,
  changes: Updateable<RemindersTable>,
): Promise<void> {
  await db
    .updateTable('reminders')
    .set(changes)
    .where('id', 'in', idsOf(reminders))
    .where('claimed_by', '=', runner)
    .execute();
}

/** Renews this process's claim on pending reminders until `until`; true if it still holds them all. */
export async function renewClaim(
  db: Database,
  reminders: readonly ReminderRow[],
  runner: string,
  until: number,
): Promise<boolean> {
  const held = await db
    .updateTable('reminders')
    .set({ not_before: until })
    .where('id', 'in', idsOf(reminders))
    .where('claimed_by', '=', runner)
    .where('status', '=', 'pending')
    .returning('id')
    .execute();
  return held.length === reminders.length;
}

/** The reminders of keys that moved to another account go with them. */
export async function moveKeyReminders(db: Database, keyIds: readonly string[], toAccountId: string) {
  await db
    .updateTable('reminders')
    .set({ account_id: toAccountId })
    .where('subject', '=', 'license')
    .where('subject_id', 'in', keyIds)
    .execute();
}

/** A page of reminders, newest first (ids sort by creation), optionally of one status, account or subject. */
export function reminderPage(
  db: Database,
  filter: {
    status?: ReminderRow['status'] | undefined;
    accountId?: string | undefined;
    subjectId?: string | undefined;
    after?: string | undefined;
    limit: number;
  },
): Promise<ReminderRow[]> {
  let query = db.selectFrom('reminders').select(REMINDER_COLUMNS).orderBy('id', 'desc').limit(filter.limit);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
  if (filter.subjectId !== undefined) query = query.where('subject_id', '=', filter.subjectId);
  // The page before ended where this one starts.
  if (filter.after !== undefined) query = query.where('id', '<', filter.after);
  return query.execute();
}
