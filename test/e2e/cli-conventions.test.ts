import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build.mjs';
import { BUNDLE, isBundleCurrent } from '../../scripts/bundle-state.mjs';
import { createProgram } from '../../src/cli/program.js';
import { seatkeeper } from '../support/service-process.js';
import { serviceForCommands } from './cli-fixture.js';

/**
 * What every command keeps to: JSON for the reads, exit 1, 2 or 3 with a message saying why,
 * --help everywhere, and the same answers from the bundle `npm ci` builds.
 */
describe('the seatkeeper command against a real service process', () => {
  const { dir, data, service, agentEnv, agentCommand, freshKey } = serviceForCommands();

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
