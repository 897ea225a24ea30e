import type { Updateable } from 'kysely';
import { REMINDER_STATUSES, type Reminder } from '../../contract/reminders.js';
import { findLicenseModel, licenseTerm } from '../../domain/gateway-license.js';
import { newId } from '../../domain/ids.js';
import { daysLeft, dueReminder, markWindows, retryDelayMs } from '../../domain/reminders.js';
import { isoDate, periodStart, type Window } from '../../domain/terms.js';
import type { ServiceContext } from '../context.js';
import { keysEndingWithin, remindedKeys } from '../licenses/license-repository.js';
import type { Database } from '../store/database.js';
import type { ReminderRow, RemindersTable } from '../store/schema.js';
import { periodsOf } from '../subscriptions/lifecycle.js';
import { remindedSubscriptions, subscriptionsEndingWithin } from '../subscriptions/repository.js';
import { dueGatewayLicenses, isGatewayLicenseId, remindedGatewayLicenses } from './gateway-license-reads.js';
import { MailDeadlineExceeded, type Mailer, type OutgoingMail } from './mailer.js';
import {
  gatewayLicenseEndingMail,
  keysEndingMail,
  type RemindedGatewayLicense,
  type RemindedKey,
  type RemindedSubscription,
  subscriptionEndingMail,
} from './message.js';
import {
  type Candidate,
  CLAIM_BATCH,
  CLAIM_LEASE_MS,
  claimDue,
  recordReminders,
  reminderPage,
  renewClaim,
  updateClaimed,
} from './reminder-repository.js';

/**
 * Expiry reminders of keys, subscriptions and gateway licenses associated with a device, sent once
 * each by whichever service process gets to them first.
 *
 * Every process records the reminders that became due (the unique key of a reminder makes a second
 * recording a no-op), then claims pending ones with a conditional update: a row claimed by one
 * process is not pending-and-due for any other until its lease runs out, so no two processes send
 * it. A process that dies between sending and marking it sent leaves it to be sent again after
 * the lease, with the same Message-ID: delivery is at least once, and a duplicate is recognisable.
 */

/** Keys in use (not revoked, refunded, split or replaced) whose end gets `mark`'s reminder now. */
async function dueKeys(db: Database, now: Date, window: ReturnType<typeof markWindows>[number]) {
  const rows = await keysEndingWithin(db, window);
  return rows
    .filter(
      (row) =>
        dueReminder({ starts: new Date(row.starts_at), ends: new Date(row.ends_at) }, now) === window.mark,
    )
    .map(
      (row): Candidate => ({
        subject: 'license',
        subjectId: row.id,
        accountId: row.account_id,
        endsAt: row.ends_at,
        mark: window.mark,
      }),
    );
}

/** Subscriptions that do not renew by themselves and whose end gets `mark`'s reminder now. */
async function dueSubscriptions(db: Database, now: Date, window: ReturnType<typeof markWindows>[number]) {
  const rows = await subscriptionsEndingWithin(db, window);
  return rows
    .filter((row) => {
      const term = { starts: periodStart(periodsOf(row), row.period), ends: new Date(row.period_ends_at) };
      return dueReminder(term, now) === window.mark;
    })
    .map(
      (row): Candidate => ({
        subject: 'subscription',
        subjectId: row.id,
        accountId: row.account_id,
        endsAt: row.period_ends_at,
        mark: window.mark,
      }),
    );
}

/** Records the reminders that became due. Every process may do it at once: a reminder is recorded once. */
export async function scheduleDueReminders(ctx: ServiceContext): Promise<number> {
  const now = ctx.clock.now();
  const db = ctx.store.db;
  const due: Candidate[] = [];
  for (const window of markWindows(now))
    due.push(
      ...(await dueKeys(db, now, window)),
      ...(await dueSubscriptions(db, now, window)),
      ...(await dueGatewayLicenses(db, now, window)),
    );
  if (due.length === 0) return 0;
  // Every process inserts in one order: two inserting the same rows in different orders could
  // each wait for the other's row on PostgreSQL.
  due.sort((a, b) => (a.subjectId < b.subjectId ? -1 : a.subjectId > b.subjectId ? 1 : a.mark - b.mark));
  return recordReminders(
    db,
    due.map((candidate) => ({
      id: newId('rem', now.getTime()),
      subject: candidate.subject,
      subject_id: candidate.subjectId,
      account_id: candidate.accountId,
      ends_at: candidate.endsAt,
      days_before: candidate.mark,
      status: 'pending' as const,
      not_before: now.getTime(),
      created_at: now.getTime(),
    })),
  );
}

/** One email: the claimed reminders it carries and what it says. */
interface Letter {
  reminders: ReminderRow[];
  mail: OutgoingMail;
}

/** A reminded key or subscription as it is now, with what its email says of it. */
interface Subject {
  accountId: string;
  email: string;
  term: Window;
  /** Revoked, refunded, split or replaced: nothing to remind of. */
  over: boolean;
  key?: RemindedKey;
  subscription?: RemindedSubscription;
  gatewayLicense?: RemindedGatewayLicense;
}

async function subjectsOf(db: Database, claimed: readonly ReminderRow[]): Promise<Map<string, Subject>> {
  const ids = (subject: ReminderRow['subject']) =>
    claimed.filter((r) => r.subject === subject).map((r) => r.subject_id);
  const subjects = new Map<string, Subject>();
  // A `license` reminder is of a key (lic_...) or, by its id, of a gateway license (gwl_...).
  const licenseIds = ids('license').filter((id) => !isGatewayLicenseId(id));
  const gatewayLicenseIds = ids('license').filter(isGatewayLicenseId);
  if (licenseIds.length > 0) {
    for (const key of await remindedKeys(db, licenseIds))
      subjects.set(key.id, {
        accountId: key.account_id,
        email: key.email,
        term: { starts: new Date(key.starts_at), ends: new Date(key.ends_at) },
        over: key.revoked_at !== null,
        key: {
          keyHint: key.key_hint,
          connections: key.seats,
          orderNumber: key.order_number,
          legacy: key.legacy === 1,
          hostname: key.hostname,
        },
      });
  }
  if (gatewayLicenseIds.length > 0) {
    for (const row of await remindedGatewayLicenses(db, gatewayLicenseIds)) {
      const model = findLicenseModel(row.sku);
      subjects.set(row.id, {
        accountId: row.account_id,
        email: row.email,
        term:
          row.activated_at === null
            ? { starts: new Date(0), ends: new Date(0) }
            : licenseTerm({ termYears: row.term_years }, new Date(row.activated_at)),
        // Its association undone: it sits in the inventory and nothing is lost at its end.
        over: row.device_id === null || row.activated_at === null,
        gatewayLicense: {
          sku: row.sku,
          modelName: model.ok ? model.value.name : row.sku,
          kind: row.kind,
          users: row.users,
          keyHint: row.key_hint,
          organization: row.organization_name,
          device: {
            name: row.device_name ?? '',
            serialNumber: row.serial_number ?? '',
            model: row.device_model ?? '',
          },
          sharedWith: Number(row.replicas ?? 0),
        },
      });
    }
  }
  const subscriptionIds = ids('subscription');
  if (subscriptionIds.length > 0) {
    for (const row of await remindedSubscriptions(db, subscriptionIds))
      subjects.set(row.id, {
        accountId: row.account_id,
        email: row.email,
        term: { starts: periodStart(periodsOf(row), row.period), ends: new Date(row.period_ends_at) },
        // An auto-renewing subscription does not end.
        over: row.auto_renew === 1,
        subscription: { keyHint: row.key_hint, connections: row.seats, period: row.period },
      });
  }
  return subjects;
}

/**
 * Turns claimed reminders into emails, reading each subject as it is now. A reminder is stale once
 * its key or subscription was renewed, revoked or ended, or a later mark is due instead (the send
 * kept failing): stale ones are cancelled, not sent. Keys of one account that end on the same day
 * share one email.
 */
async function compose(
  db: Database,
  claimed: ReminderRow[],
  now: Date,
  messageDomain: string,
): Promise<{ letters: Letter[]; stale: ReminderRow[] }> {
  const subjects = await subjectsOf(db, claimed);
  const stale: ReminderRow[] = [];
  const groups = new Map<string, { reminders: ReminderRow[]; subject: Subject; keys: RemindedKey[] }>();
  for (const reminder of claimed) {
    const subject = subjects.get(reminder.subject_id);
    if (
      subject === undefined ||
      subject.over ||
      subject.term.ends.getTime() !== reminder.ends_at ||
      dueReminder(subject.term, now) !== reminder.days_before
    ) {
      stale.push(reminder);
      continue;
    }
    const group =
      subject.key === undefined
        ? reminder.id
        : `${subject.accountId}:${isoDate(subject.term.ends)}:${reminder.days_before}`;
    const letter = groups.get(group) ?? { reminders: [], subject, keys: [] };
    letter.reminders.push(reminder);
    if (subject.key !== undefined) letter.keys.push(subject.key);
    groups.set(group, letter);
  }
  const letters = [...groups.values()].map(({ reminders, subject, keys }): Letter => {
    const facts = {
      accountEmail: subject.email,
      ends: subject.term.ends,
      daysLeft: daysLeft(subject.term.ends, now),
    };
    const text =
      subject.gatewayLicense !== undefined
        ? gatewayLicenseEndingMail(facts, subject.gatewayLicense)
        : subject.subscription === undefined
          ? keysEndingMail(facts, keys)
          : subscriptionEndingMail(facts, subject.subscription);
    const first = reminders[0] as ReminderRow;
    return { reminders, mail: { to: subject.email, ...text, messageId: `<${first.id}@${messageDomain}>` } };
  });
  return { letters, stale };
}

export interface ReminderPass {
  scheduled: number;
  /** Reminders sent (several keys may share one email). */
  sent: number;
  emails: number;
  /** Reminders no longer needed: renewed, revoked, or ended before they could go out. */
  cancelled: number;
  /** Emails that could not be sent this time; they are tried again later. */
  failures: { to: string; error: string }[];
  /** Why recording newly due reminders failed, if it did; what was recorded before is sent anyway. */
  schedulingError?: string;
}

/**
 * One pass of the reminder job: record what became due, then send what this process claims.
 * `stopping` is asked between emails: a service shutting down hands back what it has not sent.
 */
export async function sendDueReminders(
  ctx: ServiceContext,
  mailer: Mailer,
  runner: string,
  stopping: () => boolean = () => false,
): Promise<ReminderPass> {
  const db = ctx.store.db;
  const pass: ReminderPass = { scheduled: 0, sent: 0, emails: 0, cancelled: 0, failures: [] };
  try {
    pass.scheduled = await scheduleDueReminders(ctx);
  } catch (error) {
    pass.schedulingError = (error as Error).message;
  }
  const messageDomain = mailer.from.split('@')[1] ?? 'seatkeeper.invalid';
  const mine = (reminders: readonly ReminderRow[], changes: Updateable<RemindersTable>) =>
    updateClaimed(db, reminders, runner, changes);
  while (!stopping()) {
    const now = ctx.clock.now();
    const claimed = await claimDue(ctx.store, runner, now.getTime());
    if (claimed.length === 0) break;
    const { letters, stale } = await compose(db, claimed, now, messageDomain);
    if (stale.length > 0) {
      await mine(stale, { status: 'cancelled', claimed_by: null });
      pass.cancelled += stale.length;
    }
    for (const [i, letter] of letters.entries()) {
      if (stopping()) {
        // Back to the pool at once, for another instance to send.
        const rest = letters.slice(i).flatMap((unsent) => unsent.reminders);
        await mine(rest, { claimed_by: null, not_before: ctx.clock.now().getTime() });
        return pass;
      }
      // The claim is renewed right before each send, so a slow batch never outlives its lease;
      // a reminder whose lease ran out and was taken over is left to its new holder.
      if (!(await renewClaim(db, letter.reminders, runner, ctx.clock.now().getTime() + CLAIM_LEASE_MS)))
        continue;
      try {
        await mailer.send(letter.mail);
      } catch (error) {
        const message = (error as Error).message.slice(0, 500);
        pass.failures.push({ to: letter.mail.to, error: message });
        if (error instanceof MailDeadlineExceeded) {
          // It may still arrive: keep the claim, so the next try waits for the lease to run out.
          await mine(letter.reminders, { last_error: message });
        } else {
          const attempts = Math.max(...letter.reminders.map((r) => r.attempts));
          const retryAt = ctx.clock.now().getTime() + retryDelayMs(attempts);
          await mine(letter.reminders, { claimed_by: null, last_error: message, not_before: retryAt });
        }
        continue;
      }
      await mine(letter.reminders, {
        status: 'sent',
        claimed_by: null,
        sent_at: ctx.clock.now().getTime(),
        message_id: letter.mail.messageId,
        last_error: null,
      });
      pass.sent += letter.reminders.length;
      pass.emails++;
    }
    if (claimed.length < CLAIM_BATCH) break;
  }
  return pass;
}

export { REMINDER_STATUSES };

export type ReminderView = Reminder;

const viewOf = (row: ReminderRow): ReminderView => ({
  id: row.id,
  subject: row.subject,
  subjectId: row.subject_id,
  accountId: row.account_id,
  ends: new Date(row.ends_at).toISOString(),
  daysBefore: row.days_before,
  status: row.status,
  attempts: row.attempts,
  lastError: row.last_error,
  sentAt: row.sent_at === null ? null : new Date(row.sent_at).toISOString(),
  messageId: row.message_id,
});

/** A page of reminders, newest first, optionally of one status, account or subject. */
export async function listReminders(
  ctx: ServiceContext,
  filter: {
    status?: ReminderRow['status'] | undefined;
    accountId?: string | undefined;
    subjectId?: string | undefined;
    /** The last reminder of the page before. */
    after?: string | undefined;
    limit?: number | undefined;
  } = {},
): Promise<{ reminders: ReminderView[]; next: string | null }> {
  const limit = filter.limit ?? 1000;
  const reminders = (await reminderPage(ctx.store.db, { ...filter, limit })).map(viewOf);
  return { reminders, next: reminders.length === limit ? (reminders.at(-1)?.id ?? null) : null };
}
