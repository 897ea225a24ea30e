import type { Command } from 'commander';
import { plural } from '../domain/text.js';
import {
  listReminders,
  REMINDER_STATUSES,
  type ReminderPass,
  type ReminderView,
  sendDueReminders,
} from '../service/reminders/operations.js';
import { CliError, EXIT, print, printJson, table } from './output.js';
import {
  accountFilter,
  config,
  dataOption,
  oneOf,
  type StoreFlags,
  usageError,
  withContext,
} from './store-access.js';

/** What a pass did, in a sentence: what was sent, what was no longer needed, what failed. */
function passSummary(pass: ReminderPass): string {
  if (pass.sent + pass.cancelled + pass.failures.length === 0) return 'No reminder was due.';
  const parts = [`Sent ${plural(pass.sent, 'reminder')} in ${plural(pass.emails, 'email')}`];
  if (pass.cancelled > 0) parts.push(`cancelled ${plural(pass.cancelled, 'reminder')} no longer needed`);
  if (pass.failures.length > 0) parts.push(`${plural(pass.failures.length, 'email')} failed`);
  return `${parts.join('; ')}.`;
}

/** Expiry reminders from the command line: what was sent, and a pass on demand (cron, or a test). */
export function registerReminderCommands(program: Command): void {
  const reminders = program
    .command('reminders')
    .description('Expiry reminders: emails 60, 30 and 3 days before a key or subscription ends');

  dataOption(reminders.command('list').description('Reminders recorded, newest first'))
    .option('--status <status>', 'pending, sent or cancelled')
    .option('--account <account>', 'account id (acc_...) or registered admin email')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { status?: string; account?: string }) => {
      const status =
        flags.status === undefined ? undefined : oneOf('--status', flags.status, REMINDER_STATUSES);
      const list = await withContext(flags, async (ctx) => {
        const accountId = await accountFilter(ctx, flags.account);
        const all: ReminderView[] = [];
        let after: string | undefined;
        do {
          const page = await listReminders(ctx, { status, accountId, after });
          all.push(...page.reminders);
          after = page.next ?? undefined;
        } while (after !== undefined);
        return all;
      });
      if (flags.json) printJson({ reminders: list });
      else if (list.length === 0) print('No reminders.');
      else
        print(
          table(
            ['ID', 'FOR', 'ENDS', 'DAYS BEFORE', 'STATUS', 'SENT', 'LAST ERROR'],
            list.map((r) => [
              r.id,
              r.subjectId,
              r.ends.slice(0, 10),
              String(r.daysBefore),
              r.status,
              r.sentAt?.slice(0, 16) ?? '',
              r.lastError ?? '',
            ]),
          ),
        );
    });

  dataOption(
    reminders
      .command('send')
      .description('Send the reminders due now, once, as the service’s job does every few minutes'),
  )
    .option('--smtp-url <url>', 'SMTP server, e.g. smtp://mail.example.com:587 (env SEATKEEPER_SMTP_URL)')
    .option('--mail-from <address>', 'the address reminders are sent from (env SEATKEEPER_MAIL_FROM)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags) => {
      const mail = config(flags).mail;
      if (mail === undefined) throw usageError('reminders send needs --smtp-url and --mail-from');
      const [{ runnerName }, { smtpMailer }] = await Promise.all([
        import('../service/reminders/job.js'),
        import('../service/reminders/mailer.js'),
      ]);
      const mailer = smtpMailer(mail.smtpUrl, mail.from);
      const pass = await withContext(flags, (ctx) => sendDueReminders(ctx, mailer, runnerName())).finally(
        () => mailer.close(),
      );
      if (flags.json) printJson(pass);
      else print(passSummary(pass));
      if (pass.schedulingError !== undefined)
        throw new CliError(
          `could not record newly due reminders: ${pass.schedulingError}`,
          EXIT.unavailable,
          'store_unavailable',
        );
      if (pass.failures.length > 0)
        throw new CliError(
          `could not send to ${pass.failures.map((f) => `${f.to} (${f.error})`).join(', ')}; they will be tried again`,
          EXIT.unavailable,
          'smtp_unavailable',
        );
    });
}
