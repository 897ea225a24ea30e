import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, freshStore, type TestStore } from '../../../test/support/engines.js';
import { accountWithKey, failoverKeyOf, insertKeys } from '../../../test/support/factories.js';
import { type SmtpSink, startSmtpSink } from '../../../test/support/smtp.js';
import { ok } from '../../domain/errors.js';
import { DEFAULT_POLICY, type ServiceContext } from '../context.js';
import { renewLicenses, transferLicenses } from '../licenses/lifecycle.js';
import { issueLicense } from '../licenses/operations.js';
import { refundKey } from '../orders/refunds.js';
import { openContext } from '../runtime.js';
import type { ReminderRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { createSubscription } from '../subscriptions/lifecycle.js';
import { type Mailer, smtpMailer } from './mailer.js';
import { listReminders, type ReminderPass, scheduleDueReminders, sendDueReminders } from './operations.js';
import { claimDue } from './reminder-repository.js';

const PURCHASED = '2026-11-23T12:00:00.000Z';
const ENDS = new Date('2027-11-23T12:00:00.000Z').getTime();
const daysBeforeEnd = (days: number) => new Date(ENDS - days * DAY);
const remindersOf = async (on: ServiceContext, filter: Parameters<typeof listReminders>[1] = {}) =>
  (await listReminders(on, filter)).reminders;

describe.each(ENGINES)('expiry reminders on %s', (engine) => {
  let sink: SmtpSink;
  let store: TestStore;
  let ctx: ServiceContext;
  let clock: ManualClock;
  let mailer: Mailer;
  const contexts: ServiceContext[] = [];

  /** Another service process on the same store: its own connections, its own runner id. */
  const openProcess = async () => {
    const opened = await openContext({ ...store, certificateTtlMs: DEFAULT_POLICY.certificateTtlMs }, clock);
    contexts.push(opened);
    return opened;
  };
  const pass = (on: ServiceContext = ctx, runner = 'process-a') => sendDueReminders(on, mailer, runner);

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => sink.close());
  beforeEach(async () => {
    sink.received.length = 0;
    sink.refuse(false);
    clock = new ManualClock(PURCHASED);
    store = await freshStore(engine);
    ctx = await openProcess();
    mailer = smtpMailer(new URL(sink.url), 'licenses@vendor.example');
  });
  afterEach(async () => {
    mailer.close();
    for (const opened of contexts.splice(0)) await opened.store.close();
    await store.cleanup();
  });

  it('mails the registered admin email 60, 30 and 3 days before a key ends, once each', async () => {
    const { license } = await accountWithKey(ctx, { email: 'admin@customer.example', connections: 25 });
    const sentAt: number[] = [];
    // A pass every 12 hours over the whole year, and past its end.
    for (let at = Date.parse(PURCHASED); at < ENDS + 10 * DAY; at += DAY / 2) {
      clock.set(new Date(at));
      const result = await pass();
      expect(result.failures).toEqual([]);
      if (result.sent > 0) sentAt.push(at);
    }
    expect(sink.received.map((mail) => mail.subject)).toEqual([
      'Your license key ends in 60 days, on 2027-11-23',
      'Your license key ends in 30 days, on 2027-11-23',
      'Your license key ends in 3 days, on 2027-11-23',
    ]);
    expect(sentAt).toEqual([daysBeforeEnd(60), daysBeforeEnd(30), daysBeforeEnd(3)].map((d) => d.getTime()));
    const [first] = sink.received;
    expect(first?.envelopeTo).toEqual(['admin@customer.example']);
    expect(first?.envelopeFrom).toBe('licenses@vendor.example');
    expect(first?.text).toContain(
      `key ending ${license.key.slice(-4)}, 25 connections, order ${license.orderNumber}, not activated`,
    );
    expect(first?.text).not.toContain(license.key);
    expect(new Set(sink.received.map((mail) => mail.messageId)).size).toBe(3);
    const recorded = await remindersOf(ctx, { subjectId: license.id });
    expect(recorded.map((r) => [r.daysBefore, r.status])).toEqual([
      [3, 'sent'],
      [30, 'sent'],
      [60, 'sent'],
    ]);
  });

  it('puts keys of one account that end the same day in one email', async () => {
    const { accountId } = await accountWithKey(ctx, { connections: 10 });
    const second = await issueLicense(ctx, { accountId, connections: 5 });
    expect(second.ok).toBe(true);
    clock.set(daysBeforeEnd(30));
    const result = await pass();
    expect(result).toMatchObject({ sent: 2, emails: 1 });
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.subject).toBe('2 license keys end in 30 days, on 2027-11-23');
    expect(sink.received[0]?.text).toContain('10 connections');
    expect(sink.received[0]?.text).toContain('5 connections');
  });

  it('sends the reminder that still fits after the service was down, not the stale one', async () => {
    await accountWithKey(ctx);
    clock.set(daysBeforeEnd(12));
    await pass();
    expect(sink.received.map((mail) => mail.subject)).toEqual([
      'Your license key ends in 12 days, on 2027-11-23',
    ]);
    expect((await remindersOf(ctx)).map((r) => r.daysBefore)).toEqual([30]);
  });

  it('follows a renewal: no reminder for the old end, new ones for the new end', async () => {
    const { license } = await accountWithKey(ctx);
    clock.set(daysBeforeEnd(60));
    await pass();
    const renewed = await renewLicenses(ctx, { licenseIds: [license.id], years: 1, actor: 'usr_staff' });
    if (!renewed.ok) throw new Error(renewed.error.detail);
    const newEnd = Date.parse(renewed.value[0]?.ends ?? '');
    expect(newEnd).toBeGreaterThan(ENDS + 364 * DAY);
    clock.set(daysBeforeEnd(30));
    await pass();
    clock.set(new Date(newEnd - 60 * DAY));
    await pass();
    expect(sink.received.map((mail) => mail.subject)).toEqual([
      'Your license key ends in 60 days, on 2027-11-23',
      `Your license key ends in 60 days, on ${renewed.value[0]?.ends.slice(0, 10)}`,
    ]);
  });

  it('cancels a reminder whose key was renewed between recording and sending', async () => {
    const { license } = await accountWithKey(ctx);
    clock.set(daysBeforeEnd(30));
    sink.refuse(true);
    expect((await pass()).failures).toHaveLength(1);
    sink.refuse(false);
    await renewLicenses(ctx, { licenseIds: [license.id], years: 1, actor: 'usr_staff' });
    clock.advance(2 * 60_000);
    const result = await pass();
    expect(result).toMatchObject({ sent: 0, cancelled: 1 });
    expect(sink.received).toEqual([]);
  });

  it('follows a key to the account it is transferred to', async () => {
    const from = await accountWithKey(ctx, { email: 'seller@old.example' });
    const to = await accountWithKey(ctx, {
      email: 'buyer@new.example',
      purchasedAt: new Date('2026-06-01T00:00:00Z'),
    });
    clock.set(daysBeforeEnd(60));
    await pass();
    const moved = await transferLicenses(ctx, {
      licenseIds: [from.license.id],
      toAccountId: to.accountId,
      requesterEmail: 'seller@old.example',
      actor: 'usr_staff',
    });
    expect(moved.ok).toBe(true);
    expect(await remindersOf(ctx, { accountId: from.accountId })).toEqual([]);
    expect((await remindersOf(ctx, { accountId: to.accountId })).map((r) => r.subjectId)).toContain(
      from.license.id,
    );
    clock.set(daysBeforeEnd(30));
    await pass();
    expect(sink.received.map((mail) => mail.envelopeTo[0])).toEqual([
      'seller@old.example',
      'buyer@new.example',
    ]);
  });

  it('reminds of nothing for refunded keys and sends one email for a key and its failover key', async () => {
    const refunded = await accountWithKey(ctx);
    expect((await refundKey(ctx, { licenseId: refunded.license.id, actor: 'usr_staff' })).ok).toBe(true);
    const { license } = await accountWithKey(ctx);
    await failoverKeyOf(ctx, license.id);
    clock.set(daysBeforeEnd(3));
    expect(await pass()).toMatchObject({ sent: 1, emails: 1 });
    expect(sink.received[0]?.subject).toBe('Your license key ends in 3 days, on 2027-11-23');
  });

  it('reminds of a subscription that does not renew by itself, and not of one that does', async () => {
    const { accountId } = await accountWithKey(ctx, { email: 'pool@customer.example' });
    const ending = await createSubscription(ctx, {
      accountId,
      connections: 40,
      period: 'yearly',
      autoRenew: false,
    });
    const renewing = await createSubscription(ctx, { accountId, connections: 40, period: 'yearly' });
    expect(ending.ok && renewing.ok).toBe(true);
    clock.set(daysBeforeEnd(3));
    await pass();
    // The account's key ends the same day: one email for the key, one for the subscription.
    const subjects = sink.received.map((mail) => mail.subject).sort();
    expect(subjects).toEqual([
      'Your license key ends in 3 days, on 2027-11-23',
      'Your subscription ends in 3 days, on 2027-11-23',
    ]);
    const mail = sink.received.find((m) => m.subject.startsWith('Your subscription'));
    expect(mail?.text).toContain('does not renew automatically');
    expect(mail?.text).toContain('40 connections');
  });

  it('tries a failed send again later, and sends it once', async () => {
    await accountWithKey(ctx);
    clock.set(daysBeforeEnd(30));
    sink.refuse(true);
    const failed = await pass();
    expect(failed.sent).toBe(0);
    expect(failed.failures[0]?.error).toMatch(/451/);
    const [pending] = await remindersOf(ctx);
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
    expect(pending?.lastError).toMatch(/451/);
    sink.refuse(false);
    // Not before the backoff (a minute after the first failure).
    clock.advance(30_000);
    expect((await pass()).sent).toBe(0);
    clock.advance(31_000);
    expect((await pass()).sent).toBe(1);
    expect(await pass()).toMatchObject({ sent: 0, scheduled: 0 });
    expect(sink.received).toHaveLength(1);
    expect((await remindersOf(ctx))[0]).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('gives up on a reminder whose later mark came while its sends kept failing', async () => {
    await accountWithKey(ctx);
    clock.set(daysBeforeEnd(31));
    sink.refuse(true);
    await pass();
    sink.refuse(false);
    clock.set(daysBeforeEnd(30));
    const result = await pass();
    expect(result).toMatchObject({ sent: 1, cancelled: 1 });
    expect(sink.received.map((mail) => mail.subject)).toEqual([
      'Your license key ends in 30 days, on 2027-11-23',
    ]);
  });

  it('never sends one twice when several processes run the job at once', async () => {
    const keys = 30;
    const { accountId } = await accountWithKey(ctx);
    for (let i = 1; i < keys; i++) {
      // Ends a day apart, so that each key gets an email of its own.
      const issued = await issueLicense(ctx, {
        accountId,
        connections: 1,
        purchasedAt: new Date(Date.parse(PURCHASED) + i * DAY),
      });
      expect(issued.ok).toBe(true);
    }
    const others = [await openProcess(), await openProcess()];
    // Half a day before the first key ends: every key has a reminder due, the last ones at 30 days.
    clock.set(new Date(ENDS - DAY / 2));
    const passes = await Promise.all(
      [ctx, ...others].flatMap((on, i) => [pass(on, `process-${i}-a`), pass(on, `process-${i}-b`)]),
    );
    expect(passes.reduce((sum, p) => sum + p.sent, 0)).toBe(keys);
    expect(sink.received).toHaveLength(keys);
    // Each key ends on a day of its own: one subject per key.
    expect(new Set(sink.received.map((mail) => mail.subject)).size).toBe(keys);
    const recorded = await remindersOf(ctx);
    expect(recorded).toHaveLength(keys);
    expect(recorded.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  /** Keys of one account ending a day apart: one email each, all due at 30 days. */
  async function keysEndingDaysApart(count: number) {
    const { accountId } = await accountWithKey(ctx);
    for (let i = 1; i < count; i++)
      await issueLicense(ctx, {
        accountId,
        connections: 1,
        purchasedAt: new Date(Date.parse(PURCHASED) + i * DAY),
      });
    clock.set(daysBeforeEnd(30));
  }

  it('renews its claim before each email, so a long pass is never overtaken', async () => {
    await keysEndingDaysApart(3);
    const other = await openProcess();
    let rival: ReminderPass | undefined;
    let sends = 0;
    // Each email takes two minutes: the third goes out six minutes after the claim, past its lease.
    const slow: Mailer = {
      from: mailer.from,
      close: () => undefined,
      async send(mail) {
        clock.advance(2 * 60_000);
        if (++sends === 3) rival = await pass(other, 'process-b');
        await mailer.send(mail);
      },
    };
    const mine = await sendDueReminders(ctx, slow, 'process-a');
    expect(mine.sent).toBe(3);
    expect(rival?.sent).toBe(0);
    expect(sink.received).toHaveLength(3);
  });

  it('lists reminders newest first, a page at a time', async () => {
    await keysEndingDaysApart(5);
    await pass();
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await listReminders(ctx, { limit: 2, after });
      seen.push(...page.reminders.map((r) => r.id));
      after = page.next ?? undefined;
      pages++;
    } while (after !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual((await remindersOf(ctx)).map((r) => r.id));
    expect(new Set(seen).size).toBe(5);
  });

  it('hands back what it has not sent when the service stops, for another process to send', async () => {
    await keysEndingDaysApart(3);
    const stopped = await sendDueReminders(ctx, mailer, 'process-a', () => sink.received.length >= 1);
    expect(stopped.sent).toBe(1);
    const pending = await remindersOf(ctx, { status: 'pending' });
    expect(pending).toHaveLength(2);
    const other = await openProcess();
    expect((await pass(other, 'process-b')).sent).toBe(2);
    expect(new Set(sink.received.map((mail) => mail.subject)).size).toBe(3);
  });

  it('records a backlog larger than one statement can carry', async () => {
    const { accountId } = await accountWithKey(ctx);
    await insertKeys(ctx, 4000, (i) => ({
      accountId,
      purchasedAt: new Date(Date.parse(PURCHASED) + (i % 20) * 3_600_000),
    }));
    clock.set(daysBeforeEnd(29));
    expect(await scheduleDueReminders(ctx)).toBe(4001);
    expect(await scheduleDueReminders(ctx)).toBe(0);
  });

  it.runIf(engine === 'postgres')(
    'lets a process claim, without waiting, what another is not claiming at that moment (PostgreSQL; SQLite has one writer at a time)',
    async () => {
      // Five keys due now, and five more whose 30-day mark comes 40 days later.
      const { accountId } = await accountWithKey(ctx);
      for (let i = 0; i < 4; i++) await issueLicense(ctx, { accountId, connections: 1 });
      for (let i = 0; i < 5; i++)
        await issueLicense(ctx, {
          accountId,
          connections: 2,
          purchasedAt: new Date(Date.parse(PURCHASED) + 40 * DAY),
        });
      clock.set(daysBeforeEnd(30));
      expect(await scheduleDueReminders(ctx)).toBe(5);
      const other = await openProcess();
      const later = new Date(daysBeforeEnd(30).getTime() + 40 * DAY);
      const claimed = await inTransaction(ctx.store.db, async (tx) => {
        const mine = await claimDue({ db: tx, engine }, 'process-a', clock.now().getTime());
        clock.set(later);
        expect(await scheduleDueReminders(ctx)).toBe(5);
        // The rival's claim ends while this one is still open: it skips the five being claimed.
        const rival = await Promise.race([
          claimDue(other.store, 'process-b', later.getTime()),
          sleep(3_000).then(() => 'waited for the other claim' as const),
        ]);
        return ok({ mine, rival });
      });
      if (!claimed.ok) throw new Error(claimed.error.detail);
      const outcome = claimed.value;
      expect(outcome.mine).toHaveLength(5);
      expect(outcome.rival).not.toBe('waited for the other claim');
      const taken = outcome.rival as ReminderRow[];
      expect(taken).toHaveLength(5);
      expect(taken.some((row) => outcome.mine.some((claimed) => claimed.id === row.id))).toBe(false);
    },
  );
});
