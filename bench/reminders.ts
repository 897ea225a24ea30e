import { performance } from 'node:perf_hooks';
import { createAccount } from '../src/service/accounts/operations.js';
import { unwrap } from '../src/service/http/problem.js';
import { smtpMailer } from '../src/service/reminders/mailer.js';
import { sendDueReminders } from '../src/service/reminders/operations.js';
import { openContext } from '../src/service/runtime.js';
import { DAY, ManualClock } from '../test/support/clock.js';
import { insertKeys } from '../test/support/factories.js';
import { startSmtpSink } from '../test/support/smtp.js';
import { emit, percentile, progress, round, withTempDir } from './support.js';

const KEYS = 20_000;
const ACCOUNTS = 1_000;
const IDLE_PASSES = 20;

/**
 * The reminder job on a vendor's scale, SQLite: 20,000 keys bought evenly over a year, so that a
 * sixth of them are inside their last 60 days. The first pass records and mails every reminder due
 * (to a real SMTP server on 127.0.0.1); the passes after it are what every instance pays at each
 * interval once nothing new is due.
 */
export async function benchReminders(): Promise<void> {
  const sink = await startSmtpSink();
  try {
    await withTempDir('seatkeeper-bench-reminders-', async (dataDir) => {
      const start = new Date('2026-01-01T00:00:00.000Z');
      const clock = new ManualClock(start);
      const ctx = await openContext({ dataDir, databaseUrl: undefined, certificateTtlMs: 7 * DAY }, clock);
      try {
        progress(`making ${KEYS} keys in ${ACCOUNTS} accounts for the reminder job`);
        const accounts: string[] = [];
        for (let i = 0; i < ACCOUNTS; i++)
          accounts.push(
            unwrap(await createAccount(ctx, { email: `admin-${i}@customer${i}.example` })).account.id,
          );
        await insertKeys(ctx, KEYS, (i) => ({
          accountId: accounts[i % ACCOUNTS] ?? '',
          purchasedAt: new Date(start.getTime() + Math.floor((i / KEYS) * 365 * DAY)),
        }));

        clock.set(new Date('2027-01-01T00:00:00.000Z'));
        const mailer = smtpMailer(new URL(sink.url), 'licenses@vendor.example');
        progress('first reminder pass: everything due is recorded and mailed');
        const first = performance.now();
        const pass = await sendDueReminders(ctx, mailer, 'bench');
        const firstMs = performance.now() - first;
        if (pass.failures.length > 0 || sink.received.length !== pass.emails)
          throw new Error(`reminder pass lost emails: ${JSON.stringify(pass.failures.slice(0, 3))}`);
        emit('reminder_emails_per_second_smtp', Math.round((pass.emails * 1000) / firstMs), 'emails/s', {
          keys: KEYS,
          reminders: pass.sent,
          emails: pass.emails,
          duration_ms: round(firstMs, 1),
        });

        const idle: number[] = [];
        for (let i = 0; i < IDLE_PASSES; i++) {
          clock.advance(5 * 60_000);
          const began = performance.now();
          const nothing = await sendDueReminders(ctx, mailer, 'bench');
          idle.push(performance.now() - began);
          if (nothing.emails > 0 && nothing.scheduled === 0)
            throw new Error('an idle pass sent something again');
        }
        idle.sort((a, b) => a - b);
        emit('reminder_idle_pass_ms', round(percentile(idle, 0.5), 2), 'ms', {
          keys: KEYS,
          p90_ms: round(percentile(idle, 0.9), 2),
          passes: IDLE_PASSES,
        });
        mailer.close();
      } finally {
        await ctx.store.close();
      }
    });
  } finally {
    await sink.close();
  }
}
