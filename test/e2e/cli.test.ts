import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build.mjs';
import { BUNDLE, isBundleCurrent } from '../../scripts/bundle-state.mjs';
import { Agent } from '../../src/agent/agent.js';
import { readVendorKey } from '../../src/agent/installation.js';
import { readMachineProperties } from '../../src/agent/machine.js';
import { createProgram } from '../../src/cli/program.js';
import type { SupportRequest } from '../../src/contract/support.js';
import { systemClock } from '../../src/domain/clock.js';
import { tempDir } from '../support/engines.js';
import { forgedAgentState, machine } from '../support/factories.js';
import {
  CLI,
  customerWithKey,
  installAgent,
  type ServiceProcess,
  seatkeeper,
  startService,
} from '../support/service-process.js';

const run = promisify(execFile);

describe('the seatkeeper command against a real service process', () => {
  const dir = tempDir();
  const data = resolve(dir.path, 'data');
  let service: ServiceProcess;
  /** This host as a VPN server installed with the service's vendor key. */
  let agentEnv: NodeJS.ProcessEnv;
  const agentCommand = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    seatkeeper(['agent', ...args], { env: { ...agentEnv, ...env } });

  const serviceVendorKey = () => {
    const key = readVendorKey(service.vendorKeyFile);
    if (!key.ok) throw new Error(key.error.detail);
    return key.value;
  };

  beforeAll(async () => {
    service = await startService({ dataDir: data });
    agentEnv = installAgent(resolve(dir.path, 'installed-agent'), service.vendorKeyFile);
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
    // The same lines, with the command and the service this test started in place of npx and port
    // 8080, pasted one block after the other into one shell, as a person would.
    const between = '----- the Subscriptions section -----';
    const script = `${walkthrough}\necho '${between}'\n${subscriptions}`
      .replaceAll('npx seatkeeper', `"${process.execPath}" "${CLI}"`)
      .replaceAll('http://127.0.0.1:8080', service.url);
    // mktemp's folders land in one place this test removes; the checkout (here dir.path) gets nothing new.
    const temporary = resolve(dir.path, 'tmp');
    mkdirSync(temporary);
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: temporary };
    delete env.DATABASE_URL;
    delete env.SEATKEEPER_AGENT_CONFIG;
    delete env.SEATKEEPER_AGENT_STATE;
    delete env.SEATKEEPER_VENDOR_KEY;
    const checkout = readdirSync(dir.path).sort();
    const { stdout: both } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir.path, env });
    expect(readdirSync(dir.path).sort(), 'what the README left in the checkout').toEqual(checkout);
    const [stdout = '', pooled = ''] = both.split(`${between}\n`);
    const lines = stdout.split('\n');
    expect(stdout).toMatch(/^Installed the vendor key kid_\w+ in /m);
    expect(lines).toContain('[0, 10]');
    expect(lines.filter((line) => line === '[0, 10]')).toHaveLength(2);
    expect(stdout).toMatch(/counting\s+\d{4}-\d{2}-\d{2}/);
    expect(stdout).toMatch(/\bactive\s+\d{4}-\d{2}-\d{2}\s+srv_/);
    // The subscription section, pasted after the walkthrough, joins a second server to a pool.
    expect(pooled).toMatch(/Subscription sub_\w+ \(lease\): lease \d+ of 100; counting\./);
  });

  const freshKey = () => customerWithKey(data);

  const activate = (key: string, state: string, service: string) =>
    agentCommand(['activate', key, '--service', service, '--state', resolve(dir.path, state)]);

  it('prints JSON for every read command', async () => {
    const { email, key } = await freshKey();
    expect((await activate(key, 'json-server', service.url)).code).toBe(0);
    const usage = JSON.parse(
      (await agentCommand(['usage', '--json', '--state', resolve(dir.path, 'json-server')])).stdout,
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
      [['serve', '--data', data, '--port', new URL(service.url).port], {}, /is in use.*--port N/],
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

  it('stops with exit 2 and says how to install the vendor key when none is installed, rather than count nothing', async () => {
    const notInstalled =
      /^seatkeeper: No vendor public key is installed on this server \(\/dev\/null\/seatkeeper\/vendor\.pem\): install the vendor\.pem your vendor gives you once, as root, with `seatkeeper agent install --vendor-key vendor\.pem`\. \(vendor_key_missing\)\n$/;
    const state = resolve(dir.path, 'not-installed');
    const commands = [
      ['usage', '--state', state],
      ['activate', 'ABCD-EFGH-JKMN-PQRS-TVWX', '--service', service.url, '--state', state],
      ['subscribe', 'sks_none', '--service', service.url, '--state', state],
      ['refresh', '--state', state],
      ['offline-import', service.vendorKeyFile, '--state', state],
      ['run', '--openvpn-management', '127.0.0.1:1', '--state', state],
    ];
    // Not through `agentCommand`: this host has no installation here.
    const outcomes = await Promise.all(commands.map((args) => seatkeeper(['agent', ...args])));
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome.code, commands[i]?.join(' ')).toBe(2);
      expect(outcome.stderr).toMatch(notInstalled);
    }
    const privateKey = await seatkeeper(
      ['agent', 'install', '--vendor-key', resolve(data, 'signing-key.pem')],
      {
        env: { SEATKEEPER_AGENT_CONFIG: resolve(dir.path, 'never-installed') },
      },
    );
    expect([privateKey.code, privateKey.stderr]).toEqual([
      2,
      expect.stringContaining('this is a private key: give the vendor’s public key'),
    ]);
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
    const joined = await agentCommand(['subscribe', key, '--service', service.url, '--state', state]);
    expect(joined.code).toBe(0);
    expect(joined.stdout).toMatch(/^\[0, \d+\]\n/);
    expect(joined.stdout).toContain('(lease): lease');
    const usage = JSON.parse((await agentCommand(['usage', '--json', '--state', state])).stdout);
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
    expect([refunded.code, refunded.stdout]).toEqual([
      0,
      expect.stringMatching(/^Refunded …\w{4} \(lic_\w+\)/),
    ]);
    const history = await seatkeeper(['audit', '--key', key, '--data', data]);
    // At the command line the OS user acts, unless --as or SEATKEEPER_OPERATOR names a staff user.
    const me = userInfo().username;
    expect(history.stdout).toMatch(new RegExp(`\\s${me}\\s+renewed[\\s\\S]*\\s${me}\\s+split`));
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
      /^([0-9A-Z]{4}-){4}[0-9A-Z]{4}\n…\w{4} is replaced by ([0-9A-Z]{4}-){4}[0-9A-Z]{4} \(lic_\w+\): activate that key on the new machine\. .* stops at \d{4}-/,
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

  it('activates a key offline with the installed vendor key: request file, certificate file, import, a plain usage counts it; edited or foreign ones refused', async () => {
    const { key } = await freshKey();
    const state = resolve(dir.path, 'offline-server');
    const requestFile = resolve(dir.path, 'offline-request.json');
    const certificateFile = resolve(dir.path, 'offline-certificate.json');
    const requested = await agentCommand(['offline-request', key, '--state', state]);
    writeFileSync(requestFile, requested.stdout);
    const answered = await seatkeeper(['key', 'offline-activate', requestFile, '--data', data]);
    expect(answered.code).toBe(0);
    writeFileSync(certificateFile, answered.stdout);
    const certificate = JSON.parse(answered.stdout).certificate;
    // Nothing can refresh it: it lives to the end of the key's term.
    expect(certificate.payload.expiresAt).toBe(certificate.payload.ends);
    const imported = await agentCommand(['offline-import', certificateFile, '--state', state]);
    expect([imported.code, imported.stdout]).toEqual([0, expect.stringContaining('[0, 10]')]);
    const usage = await agentCommand(['usage', '--state', state]);
    expect([usage.code, usage.stdout.split('\n')[0]]).toEqual([0, '[0, 10]']);

    const edited = resolve(dir.path, 'edited.json');
    writeFileSync(edited, answered.stdout.replace('"seats": 10', '"seats": 100'));
    const forged = await agentCommand(['offline-import', edited, '--state', state]);
    expect([forged.code, forged.stderr]).toEqual([1, expect.stringContaining('signature does not verify')]);
    const elsewhere = await agentCommand([
      'offline-import',
      certificateFile,
      '--state',
      resolve(dir.path, 'another-server'),
    ]);
    expect([elsewhere.code, elsewhere.stderr]).toEqual([
      1,
      expect.stringContaining('License error: machine properties validation failed: verify fail:'),
    ]);
    const noRequest = await seatkeeper(['key', 'offline-activate', service.vendorKeyFile, '--data', data]);
    expect([noRequest.code, noRequest.stderr]).toEqual([2, expect.stringContaining('cannot read')]);
  });

  it('counts nothing signed by a key written into the agent’s state: a self-signed 1,000,000-connection certificate shows [0, 2]', async () => {
    const state = resolve(dir.path, 'forged-server');
    forgedAgentState(state, readMachineProperties(), 1_000_000, new Date());
    const usage = await agentCommand(['usage', '--state', state]);
    expect([usage.code, usage.stdout.split('\n')[0]]).toEqual([0, '[0, 2]']);
    expect(usage.stdout).toMatch(/not counting .*which is not a pinned vendor key/);
  });

  it('installs the vendor key once: the same key again changes nothing, another needs --replace', async () => {
    const config = resolve(dir.path, 'install-once');
    const env = installAgent(config, service.vendorKeyFile);
    const { kid } = serviceVendorKey();
    const again = await seatkeeper(['agent', 'install', '--vendor-key', service.vendorKeyFile], { env });
    expect([again.code, again.stdout]).toEqual([
      0,
      `The vendor key ${kid} is already installed in ${config}/vendor.pem.\n`,
    ]);
    const otherKey = resolve(dir.path, 'other-vendor.pem');
    writeFileSync(otherKey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const other = await seatkeeper(['agent', 'install', '--vendor-key', otherKey], { env });
    expect([other.code, other.stderr]).toEqual([
      2,
      expect.stringContaining(`already holds the vendor key ${kid}; give --replace`),
    ]);
    const replaced = await seatkeeper(['agent', 'install', '--vendor-key', otherKey, '--replace'], { env });
    expect([replaced.code, replaced.stdout]).toEqual([
      0,
      expect.stringMatching(/^Installed the vendor key kid_\w+ in /),
    ]);
    expect(readFileSync(resolve(config, 'vendor.pem'), 'utf8')).toBe(readFileSync(otherKey, 'utf8'));
  });

  it('lets no machine file make a copied state directory count on another machine; --simulate-machine is explicit, said in usage, and refused by agent run', async () => {
    const { key } = await freshKey();
    // Machine A activates the key; its state directory is then found on this host.
    const state = resolve(dir.path, 'copied-from-a');
    const machineA = new Agent({
      stateDir: state,
      clock: systemClock,
      machine: machine('A'),
      vendorKeys: [serviceVendorKey()],
    });
    expect((await machineA.activate(key, service.url)).ok).toBe(true);
    const machineFile = resolve(dir.path, 'machine-a.json');
    writeFileSync(machineFile, JSON.stringify(machine('A')));
    const trusted = ['--state', state, '--vendor-key', service.vendorKeyFile];

    const copied = await agentCommand(['usage', '--json', ...trusted], {
      SEATKEEPER_MACHINE_FILE: machineFile,
    });
    expect(JSON.parse(copied.stdout)).toMatchObject({
      licensed: 2,
      simulatedMachine: null,
      licenses: [{ status: 'not_counting', code: 'fingerprint_mismatch' }],
    });

    const simulated = await agentCommand(['usage', ...trusted, '--simulate-machine', machineFile]);
    expect(simulated.stdout.split('\n')[0]).toBe('[0, 10]');
    expect(simulated.stdout).toContain(
      `Simulated machine: properties from ${machineFile} (--simulate-machine), not this machine's own.`,
    );

    const run = await agentCommand([
      'run',
      ...trusted,
      '--simulate-machine',
      machineFile,
      '--openvpn-management',
      '127.0.0.1:1',
    ]);
    expect([run.code, run.stderr]).toEqual([
      2,
      expect.stringMatching(/agent run decides real connections .*tests and labs only \(machine_simulated\)/),
    ]);
  });

  it('shows staff the queue of support requests and decides them', async () => {
    const { email, key, id: licenseId, ownerToken } = await freshKey();
    const opened = await fetch(`${service.url}/v1/support-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'failover', licenseId, message: 'Standby node.' }),
    });
    expect(opened.status).toBe(201);
    const { id } = (await opened.json()) as SupportRequest;
    const queue = JSON.parse(
      (await seatkeeper(['request', 'list', '--open', '--json', '--data', data])).stdout,
    );
    expect(queue.requests.map((request: { id: string }) => request.id)).toContain(id);
    const approved = await seatkeeper(['request', 'approve', id, '--data', data]);
    expect([approved.code, approved.stdout]).toEqual([
      0,
      expect.stringMatching(
        new RegExp(
          `^Approved request ${id}: failover key ([0-9A-Z]{4}-){4}[0-9A-Z]{4} \\(lic_\\w+\\) for …${key.slice(-4)}: 10 connections until`,
        ),
      ),
    ]);
    const twice = await seatkeeper(['request', 'decline', id, '--reason', 'Too late', '--data', data]);
    expect([twice.code, twice.stderr]).toEqual([1, expect.stringContaining('(request_already_decided)')]);
    const keys = JSON.parse(
      (await seatkeeper(['key', 'list', '--account', email, '--json', '--data', data])).stdout,
    );
    expect(keys.licenses.map((key: { kind: string }) => key.kind).sort()).toEqual(['failover', 'fixed']);
  });

  it('has --help on every command: in this process for each, in a real process for a few', async () => {
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
      ['agent', 'install'],
      ['subscription', 'create'],
      ['subscription', 'list'],
      ['subscription', 'renew'],
      ['quote'],
      ['order', 'create'],
      ['order', 'list'],
      ['order', 'show'],
      ['order', 'pay'],
      ['order', 'cancel'],
      ['invoice', 'pay'],
      ['invoice', 'void'],
    ];
    // Every command the program has, found by walking it, so that a new one is covered as it is added.
    const walk = (command: Command, path: string[] = []): [string[], Command][] => [
      [path, command],
      ...command.commands.flatMap((sub) => walk(sub, [...path, sub.name()])),
    ];
    const paths = walk(createProgram()).map(([path]) => path);
    expect(paths).toEqual(expect.arrayContaining(commands));
    for (const path of paths) {
      // A fresh program per parse, as each run of the command has, with its output captured.
      const program = createProgram();
      let stdout = '';
      for (const [, command] of walk(program))
        command.configureOutput({ writeOut: (text) => (stdout += text), writeErr: () => {} });
      const help = program.parseAsync([...path, '--help'], { from: 'user' });
      await expect(help, path.join(' ')).rejects.toMatchObject({
        exitCode: 0,
        code: 'commander.helpDisplayed',
      });
      expect(stdout, path.join(' ')).toMatch(new RegExp(`^Usage: ${['seatkeeper', ...path].join(' ')} `));
    }
    // The real command prints the same help and exits 0; a few starts, one at a time, judge that.
    for (const path of [[], ['key', 'issue'], ['agent', 'usage']]) {
      const outcome = await seatkeeper([...path, '--help']);
      expect([outcome.code, outcome.stdout], path.join(' ')).toEqual([
        0,
        expect.stringMatching(new RegExp(`^Usage: ${['seatkeeper', ...path].join(' ')} `)),
      ]);
    }
  });

  it('runs from the bundle npm ci builds: dist/seatkeeper.mjs answers --version and real commands', async () => {
    if (!isBundleCurrent()) await buildCli();
    const bundle = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const outcome = await seatkeeper(args, { env, entry: BUNDLE });
      expect(outcome, outcome.stderr).toMatchObject({ code: 0 });
      return outcome;
    };
    const { version } = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8'));
    expect((await bundle(['--version'])).stdout).toBe(`${version}\n`);
    // The store's chunk and its native driver load on demand, from wherever the bundle lies.
    const { email } = await freshKey();
    const accounts = JSON.parse((await bundle(['account', 'list', '--json', '--data', data])).stdout);
    expect(accounts.accounts).toEqual(expect.arrayContaining([expect.objectContaining({ email })]));
    const usage = await bundle(
      ['agent', 'usage', '--json', '--state', resolve(dir.path, 'bundle-state')],
      agentEnv,
    );
    expect(JSON.parse(usage.stdout)).toMatchObject({ connected: 0, licensed: 2 });
  });
});
