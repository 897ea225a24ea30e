import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReminderPage } from '../../src/contract/reminders.js';
import { systemClock } from '../../src/domain/clock.js';
import { openContext } from '../../src/service/runtime.js';
import { DAY } from '../support/clock.js';
import { ENGINES, freshStore, type TestStore } from '../support/engines.js';
import { accountWithKey, staffToken } from '../support/factories.js';
import { client } from '../support/http.js';
import { type ServiceProcess, seatkeeper, startService } from '../support/service-process.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp.js';

const KEYS = 12;
const FROM = 'licenses@vendor.example';

describe.each(ENGINES)('expiry reminders from two service processes on %s', (engine) => {
  let sink: SmtpSink;
  let store: TestStore;
  let services: ServiceProcess[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => sink.close());
  afterEach(async () => {
    await Promise.all(services.map((service) => service.stop()));
    services = [];
    await store.cleanup();
  });

  /** A key for each of twelve accounts, ending 10, 11, ... days from now: each has its 30-day reminder due. */
  async function keysEndingSoon(): Promise<{ emails: string[]; owners: string[]; staff: string }> {
    store = await freshStore(engine);
    const ctx = await openContext({ ...store, certificateTtlMs: DAY }, systemClock);
    const emails: string[] = [];
    const owners: string[] = [];
    try {
      for (let i = 0; i < KEYS; i++) {
        const email = `admin-${i}@customer${i % 3}.example`;
        const purchasedAt = new Date(Date.now() - (365 - 10 - i) * DAY);
        owners.push((await accountWithKey(ctx, { email, purchasedAt })).ownerToken);
        emails.push(email);
      }
      return { emails, owners, staff: await staffToken(ctx) };
    } finally {
      await ctx.store.close();
    }
  }

  const serveWithMail = (args: string[] = []) =>
    startService({
      ...store,
      args: [
        '--log-level',
        'warn',
        '--smtp-url',
        sink.url,
        '--mail-from',
        FROM,
        '--reminder-interval',
        '1s',
        ...args,
      ],
    });

  it('sends each due reminder exactly once', async () => {
    sink.received.length = 0;
    sink.refuse(false);
    const { emails, owners, staff } = await keysEndingSoon();
    // Both start at once, and both run a pass as soon as they listen.
    services = await Promise.all([serveWithMail(), serveWithMail()]);
    const received = await sink.waitFor(KEYS);
    // Several more passes of both processes: nothing more arrives.
    await sleep(3_500);
    expect(received).toHaveLength(KEYS);
    expect(received.map((mail) => mail.envelopeTo[0]).sort()).toEqual([...emails].sort());
    const daysLeft = received.map((mail) =>
      Number(/^Your license key ends in (\d+) days, on \d{4}-\d\d-\d\d$/.exec(mail.subject)?.[1]),
    );
    expect(daysLeft.sort((a, b) => a - b)).toEqual(Array.from({ length: KEYS }, (_, i) => 10 + i));
    expect(received.every((mail) => mail.envelopeFrom === FROM)).toBe(true);

    const listed = await seatkeeper(['reminders', 'list', '--json', '--data', store.dataDir], {
      env: store.databaseUrl === undefined ? {} : { DATABASE_URL: store.databaseUrl },
    });
    expect(listed.code).toBe(0);
    const { reminders } = JSON.parse(listed.stdout) as {
      reminders: { status: string; attempts: number; daysBefore: number }[];
    };
    expect(reminders).toHaveLength(KEYS);
    expect(reminders.every((r) => r.status === 'sent' && r.attempts === 1 && r.daysBefore === 30)).toBe(true);

    // Over HTTP: staff read all reminders, an account its own.
    const call = client(services[0]?.url ?? '');
    const all = await call<ReminderPage>('GET', '/v1/reminders?status=sent', { token: staff });
    expect([all.status, all.body.reminders.length]).toEqual([200, KEYS]);
    const first = await call<ReminderPage>('GET', '/v1/reminders?limit=5', { token: staff });
    expect([first.body.reminders.length, typeof first.body.next]).toEqual([5, 'string']);
    const rest = await call<ReminderPage>('GET', `/v1/reminders?limit=10&after=${first.body.next}`, {
      token: staff,
    });
    expect([rest.body.reminders.length, rest.body.next]).toEqual([KEYS - 5, null]);
    const own = await call<ReminderPage>('GET', '/v1/reminders', { token: owners[0] });
    expect(own.body.reminders).toHaveLength(1);
    expect((await call('GET', '/v1/reminders?status=lost', { token: staff })).status).toBe(400);
    expect((await call('GET', '/v1/reminders')).status).toBe(401);
  });

  it('sends on demand from the command line, and exits 3 while the mail server refuses', async () => {
    sink.received.length = 0;
    await keysEndingSoon();
    const env = store.databaseUrl === undefined ? {} : { DATABASE_URL: store.databaseUrl };
    const send = ['reminders', 'send', '--data', store.dataDir, '--smtp-url', sink.url, '--mail-from', FROM];
    sink.refuse(true);
    const refused = await seatkeeper(send, { env });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/could not send to .*451.*they will be tried again/);
    expect(refused.stdout).toMatch(/^Sent 0 reminders in 0 emails; \d+ emails? failed\.\n$/);
    expect(sink.received).toHaveLength(0);
    const pending = await seatkeeper(['reminders', 'list', '--status', 'pending', '--data', store.dataDir], {
      env,
    });
    expect(pending.stdout.match(/pending/g)).toHaveLength(KEYS);
    sink.refuse(false);
    // The next try waits for its backoff: a send now has nothing due.
    const early = await seatkeeper([...send, '--json'], { env });
    expect([early.code, JSON.parse(early.stdout)]).toEqual([
      0,
      expect.objectContaining({ sent: 0, failures: [] }),
    ]);
    expect((await seatkeeper(send, { env })).stdout).toBe('No reminder was due.\n');
    expect(sink.received).toHaveLength(0);
  });
});
