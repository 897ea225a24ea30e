import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { CLI, type ServiceProcess, seatkeeper, startService } from '../support/service-process.js';

const run = promisify(execFile);

describe('the seatkeeper command against a real service process', () => {
  const dir = tempDir();
  const data = resolve(dir.path, 'data');
  let service: ServiceProcess;

  beforeAll(async () => {
    service = await startService({ dataDir: data });
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it('runs the README walkthrough as pasted: a 10-connection key, activated, shows [0, 10]', async () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const block = (heading: string) =>
      new RegExp(`## ${heading}[\\s\\S]*?\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1] ?? '';
    const walkthrough = block('Walkthrough');
    const subscriptions = block('Subscriptions');
    expect(walkthrough).toContain('agent usage');
    expect(subscriptions).toContain('agent subscribe');
    // The same lines, with the command and the service this test started in place of npx and port 8080.
    const paste = async (lines: string) => {
      const script = lines
        .replaceAll('npx seatkeeper', `"${process.execPath}" "${CLI}"`)
        .replaceAll('http://127.0.0.1:8080', service.url);
      const env = { ...process.env };
      delete env.DATABASE_URL;
      return (await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir.path, env })).stdout;
    };
    const stdout = await paste(walkthrough);
    const lines = stdout.split('\n');
    expect(lines).toContain('[0, 10]');
    expect(lines.filter((line) => line === '[0, 10]')).toHaveLength(2);
    expect(stdout).toMatch(/counting\s+\d{4}-\d{2}-\d{2}/);
    expect(stdout).toMatch(/\bactive\s+\d{4}-\d{2}-\d{2}\s+srv_/);
    // The subscription section, pasted after the walkthrough, joins a second server to a pool.
    expect(await paste(subscriptions)).toMatch(
      /Subscription sub_\w+ \(lease\): lease \d+ of 100; counting\./,
    );
  });

  /** A fresh account with one fresh 10-connection key, made through the CLI. */
  async function freshKey(): Promise<{ email: string; key: string; id: string; ownerToken: string }> {
    const email = `cli-${randomBytes(4).toString('hex')}@example.com`;
    const created = await seatkeeper(['account', 'create', '--email', email, '--json', '--data', data]);
    expect(created.code).toBe(0);
    const issued = await seatkeeper([
      'key',
      'issue',
      '--account',
      email,
      '--connections',
      '10',
      '--json',
      '--data',
      data,
    ]);
    const { key, id } = JSON.parse(issued.stdout);
    return { email, key, id, ownerToken: JSON.parse(created.stdout).ownerToken };
  }

  const activate = (key: string, state: string, service: string) =>
    seatkeeper(['agent', 'activate', key, '--service', service, '--state', resolve(dir.path, state)]);

  it('prints JSON for every read command', async () => {
    const { email, key } = await freshKey();
    expect((await activate(key, 'json-server', service.url)).code).toBe(0);
    const usage = JSON.parse(
      (await seatkeeper(['agent', 'usage', '--json', '--state', resolve(dir.path, 'json-server')])).stdout,
    );
    expect(usage).toMatchObject({ connected: 0, licensed: 10, tunnels: [] });
    const keys = JSON.parse(
      (await seatkeeper(['key', 'list', '--account', email, '--json', '--data', data])).stdout,
    );
    expect(keys.licenses).toEqual([expect.objectContaining({ key, status: 'active', connections: 10 })]);
    const accounts = JSON.parse((await seatkeeper(['account', 'list', '--json', '--data', data])).stdout);
    expect(accounts.accounts).toEqual(expect.arrayContaining([expect.objectContaining({ email })]));
  });

  it('exits 1 with the stable code when a licensing rule refuses', async () => {
    const { email, key } = await freshKey();
    expect((await activate(key, 'first-server', service.url)).code).toBe(0);
    const other = await activate(key, 'second-server', service.url);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(
      /^seatkeeper: License error: machine properties validation failed: verify fail: .*\(key_already_activated\)\n$/,
    );
    const typo = await activate('ABCD-EFGH-JKMN-PQRS-TVWX', 'second-server', service.url);
    expect([typo.code, typo.stderr]).toEqual([1, expect.stringContaining('(license_key_malformed)')]);
    const taken = await seatkeeper(['account', 'create', '--email', email.toUpperCase(), '--data', data]);
    expect([taken.code, taken.stderr]).toEqual([1, expect.stringContaining('(email_taken)')]);
    const nobody = await seatkeeper([
      'reminders',
      'list',
      '--account',
      'nobody@nowhere.example',
      '--data',
      data,
    ]);
    expect([nobody.code, nobody.stderr]).toEqual([1, expect.stringContaining('(account_not_found)')]);
  });

  it('exits 2 on a mistake in the command or the configuration', async () => {
    const missingKey = resolve(dir.path, 'no-such-key.pem');
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [
        ['key', 'issue', '--account', 'someone@example.com', '--connections', 'ten', '--data', data],
        {},
        /--connections must be a whole number/,
      ],
      [['key', 'issue', '--connections', '5', '--data', data], {}, /required option '--account <account>'/],
      [['account', 'create', '--email', 'nope', '--data', data], {}, /is not an email address/],
      [['serve', '--port', 'eighty', '--data', data], {}, /--port \/ SEATKEEPER_PORT must be a port number/],
      [['serve', '--data', data, '--certificate-ttl', 'forever'], {}, /must be a duration/],
      [['serve', '--data', data, '--certificate-ttl', '200000000d'], {}, /from 1s to 3650d/],
      [['serve', '--data', data, '--port', new URL(service.url).port], {}, /cannot listen: .*EADDRINUSE/],
      [
        ['serve', '--data', data, '--smtp-url', 'http://user:secret@mail.example.com'],
        {},
        /--smtp-url \/ SEATKEEPER_SMTP_URL must be an SMTP URL/,
      ],
      [
        ['serve', '--data', data],
        { SEATKEEPER_SMTP_URL: 'smtp://mail.example.com' },
        /--mail-from \/ SEATKEEPER_MAIL_FROM is required/,
      ],
      [['serve', '--data', data, '--mail-from', 'licenses@vendor.example'], {}, /needs --smtp-url/],
      [
        ['serve', '--data', data, '--smtp-url', 'smtp://mail.example.com', '--mail-from', 'licenses'],
        {},
        /must be an email address/,
      ],
      [
        ['serve', '--data', data, '--reminder-interval', 'hourly'],
        {},
        /--reminder-interval .* must be a duration/,
      ],
      [['serve', '--data', data, '--reminder-interval', '30d'], {}, /from 1s to 1d/],
      [
        ['reminders', 'list', '--status', 'lost', '--data', data],
        {},
        /--status must be one of pending, sent, cancelled/,
      ],
      [['reminders', 'send', '--data', data], {}, /reminders send needs --smtp-url and --mail-from/],
      [
        ['key', 'list', '--data', data],
        { DATABASE_URL: 'mysql://user:secret@localhost/db' },
        /DATABASE_URL must be a PostgreSQL URL/,
      ],
      [
        ['agent', 'usage', '--vendor-key', missingKey, '--state', resolve(dir.path, 'x')],
        {},
        /cannot read the vendor public key/,
      ],
      [['no-such-command'], {}, /unknown command/],
    ];
    for (const [args, env, message] of cases) {
      const outcome = await seatkeeper(args, { env });
      expect(outcome.code, args.join(' ')).toBe(2);
      expect(outcome.stderr).toMatch(message);
      expect(outcome.stderr).not.toContain('secret');
      expect(outcome.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('exits 3 when the service cannot be reached', async () => {
    const { key } = await freshKey();
    // A port that was free a moment ago: nothing answers there.
    const closed = await new Promise<number>((done) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => done(port));
      });
    });
    const outcome = await activate(key, 'offline-server', `http://127.0.0.1:${closed}`);
    expect(outcome.code).toBe(3);
    expect(outcome.stderr).toContain('(service_unreachable)');
  });

  it('creates a subscription and joins a server to its pool', async () => {
    const { email } = await freshKey();
    const created = await seatkeeper([
      'subscription',
      'create',
      '--account',
      email,
      '--connections',
      '50',
      '--mode',
      'lease',
      '--data',
      data,
    ]);
    expect(created.code).toBe(0);
    const key = created.stdout.split('\n')[0] ?? '';
    expect(key).toMatch(/^sks_/);
    const state = resolve(dir.path, 'cli-pool-server');
    const joined = await seatkeeper(['agent', 'subscribe', key, '--service', service.url, '--state', state]);
    expect(joined.code).toBe(0);
    expect(joined.stdout).toMatch(/^\[0, \d+\]\n/);
    expect(joined.stdout).toContain('(lease): lease');
    const usage = JSON.parse((await seatkeeper(['agent', 'usage', '--json', '--state', state])).stdout);
    expect(usage.subscription).toMatchObject({ mode: 'lease', connections: 50, counting: true });
    expect(usage.licensed).toBe(usage.subscription.lease);
    const listed = JSON.parse(
      (await seatkeeper(['subscription', 'list', '--account', email, '--json', '--data', data])).stdout,
    );
    expect(listed.subscriptions).toEqual([expect.objectContaining({ key, connections: 50, mode: 'lease' })]);
    const id = listed.subscriptions[0].id;
    const renewed = await seatkeeper(['subscription', 'renew', id, '--json', '--data', data]);
    expect(JSON.parse(renewed.stdout).periodEnds > listed.subscriptions[0].periodEnds).toBe(true);
    const unknown = await seatkeeper([
      'subscription',
      'renew',
      'sub_01kax5c1x8b2m4n6p8r0s2t4v6',
      '--data',
      data,
    ]);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('(subscription_not_found)')]);
    const bad = await seatkeeper([
      'subscription',
      'create',
      '--account',
      email,
      '--connections',
      '5',
      '--period',
      'weekly',
      '--data',
      data,
    ]);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringContaining('--period must be one of monthly, yearly'),
    ]);
  });

  it('renews, splits and refunds keys, and prints a key’s history', async () => {
    const { key } = await freshKey();
    const renewed = await seatkeeper(['key', 'renew', key, '--years', '2', '--json', '--data', data]);
    expect(JSON.parse(renewed.stdout).licenses[0]).toMatchObject({ termYears: 3 });
    const split = await seatkeeper(['key', 'split', key, '--into', '4,6', '--json', '--data', data]);
    const parts = JSON.parse(split.stdout).keys as { key: string; connections: number }[];
    expect(parts.map((part) => part.connections)).toEqual([4, 6]);
    // The original is retired: a refund is refused with the stable code, exit 1.
    const refused = await seatkeeper(['key', 'refund', key, '--data', data]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('(license_revoked)')]);
    const refunded = await seatkeeper(['key', 'refund', parts[0]?.key ?? '', '--data', data]);
    expect([refunded.code, refunded.stdout]).toEqual([0, expect.stringMatching(/^Refunded lic_\w+/)]);
    const history = await seatkeeper(['audit', '--key', key, '--data', data]);
    expect(history.stdout).toMatch(/operator\s+issued[\s\S]*operator\s+renewed[\s\S]*operator\s+split/);
    expect(history.stdout).toContain('termYears: 1 -> 3');
    const json = JSON.parse((await seatkeeper(['audit', '--key', key, '--json', '--data', data])).stdout);
    expect(json.entries.map((entry: { action: string }) => entry.action)).toEqual([
      'issued',
      'renewed',
      'split',
    ]);
    const badSplit = await seatkeeper(['key', 'split', parts[1]?.key ?? '', '--into', '6', '--data', data]);
    expect([badSplit.code, badSplit.stderr]).toEqual([2, expect.stringContaining('--into must list')]);
    const replaced = await seatkeeper(['key', 'replace', parts[1]?.key ?? '', '--data', data]);
    expect(replaced.stdout).toMatch(
      /^([0-9A-Z]{4}-){4}[0-9A-Z]{4}\nReplacement lic_\w+ issued; lic_\w+ stops at \d{4}-/,
    );
    const failover = await seatkeeper([
      'key',
      'failover',
      replaced.stdout.split('\n')[0] ?? '',
      '--json',
      '--data',
      data,
    ]);
    expect(JSON.parse(failover.stdout)).toMatchObject({ kind: 'failover', connections: 6 });
    const mistyped = await seatkeeper(['audit', '--key', 'NOT-A-KEY', '--data', data]);
    expect([mistyped.code, mistyped.stderr]).toEqual([1, expect.stringContaining('(license_key_malformed)')]);
  });

  it('activates a key offline: request file, certificate file, import; edited or foreign ones refused', async () => {
    const { key } = await freshKey();
    const state = resolve(dir.path, 'offline-server');
    const requestFile = resolve(dir.path, 'offline-request.json');
    const certificateFile = resolve(dir.path, 'offline-certificate.json');
    const vendorKey = resolve(dir.path, 'vendor.pem');
    const signing = createPrivateKey(readFileSync(resolve(data, 'signing-key.pem')));
    writeFileSync(vendorKey, createPublicKey(signing).export({ type: 'spki', format: 'pem' }));
    const requested = await seatkeeper(['agent', 'offline-request', key, '--state', state]);
    writeFileSync(requestFile, requested.stdout);
    const answered = await seatkeeper(['key', 'offline-activate', requestFile, '--data', data]);
    expect(answered.code).toBe(0);
    writeFileSync(certificateFile, answered.stdout);
    const certificate = JSON.parse(answered.stdout).certificate;
    // Nothing can refresh it: it lives to the end of the key's term.
    expect(certificate.payload.expiresAt).toBe(certificate.payload.ends);
    const imported = await seatkeeper([
      'agent',
      'offline-import',
      certificateFile,
      '--state',
      state,
      '--vendor-key',
      vendorKey,
    ]);
    expect([imported.code, imported.stdout]).toEqual([0, expect.stringContaining('[0, 10]')]);

    const edited = resolve(dir.path, 'edited.json');
    writeFileSync(edited, answered.stdout.replace('"seats": 10', '"seats": 100'));
    const forged = await seatkeeper([
      'agent',
      'offline-import',
      edited,
      '--state',
      state,
      '--vendor-key',
      vendorKey,
    ]);
    expect([forged.code, forged.stderr]).toEqual([1, expect.stringContaining('signature does not verify')]);
    const elsewhere = await seatkeeper([
      'agent',
      'offline-import',
      certificateFile,
      '--state',
      resolve(dir.path, 'another-server'),
      '--vendor-key',
      vendorKey,
    ]);
    expect([elsewhere.code, elsewhere.stderr]).toEqual([
      1,
      expect.stringContaining('License error: machine properties validation failed: verify fail:'),
    ]);
    const noRequest = await seatkeeper(['key', 'offline-activate', vendorKey, '--data', data]);
    expect([noRequest.code, noRequest.stderr]).toEqual([2, expect.stringContaining('cannot read')]);
  });

  it('shows staff the queue of support requests and decides them', async () => {
    const { email, id: licenseId, ownerToken } = await freshKey();
    const opened = await fetch(`${service.url}/v1/support-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'failover', licenseId, message: 'Standby node.' }),
    });
    expect(opened.status).toBe(201);
    const { id } = (await opened.json()) as { id: string };
    const queue = JSON.parse(
      (await seatkeeper(['request', 'list', '--open', '--json', '--data', data])).stdout,
    );
    expect(queue.requests.map((request: { id: string }) => request.id)).toContain(id);
    const approved = await seatkeeper(['request', 'approve', id, '--data', data]);
    expect([approved.code, approved.stdout]).toEqual([
      0,
      expect.stringContaining(`Approved ${id} (failover)`),
    ]);
    const twice = await seatkeeper(['request', 'decline', id, '--reason', 'Too late', '--data', data]);
    expect([twice.code, twice.stderr]).toEqual([1, expect.stringContaining('(request_already_decided)')]);
    const keys = JSON.parse(
      (await seatkeeper(['key', 'list', '--account', email, '--json', '--data', data])).stdout,
    );
    expect(keys.licenses.map((key: { kind: string }) => key.kind).sort()).toEqual(['failover', 'fixed']);
  });

  it('has --help on every command', async () => {
    const commands = [
      [],
      ['serve'],
      ['migrate'],
      ['staff', 'create'],
      ['account', 'create'],
      ['account', 'list'],
      ['account', 'add-member'],
      ['key', 'issue'],
      ['key', 'list'],
      ['key', 'renew'],
      ['key', 'refund'],
      ['key', 'split'],
      ['key', 'replace'],
      ['key', 'failover'],
      ['key', 'transfer'],
      ['key', 'offline-activate'],
      ['agent', 'offline-request'],
      ['agent', 'offline-import'],
      ['request', 'list'],
      ['request', 'approve'],
      ['request', 'decline'],
      ['reminders', 'list'],
      ['reminders', 'send'],
      ['audit'],
      ['agent', 'run'],
      ['agent', 'activate'],
      ['agent', 'usage'],
      ['agent', 'refresh'],
      ['agent', 'subscribe'],
      ['subscription', 'create'],
      ['subscription', 'list'],
      ['subscription', 'renew'],
    ];
    const outcomes = await Promise.all(commands.map((command) => seatkeeper([...command, '--help'])));
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome.code, commands[i]?.join(' ')).toBe(0);
      expect(outcome.stdout).toMatch(/^Usage: seatkeeper/);
    }
  });
});
