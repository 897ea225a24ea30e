import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { freePort } from '../support/openvpn.js';
import {
  CLI,
  customerWithKey,
  installAgent,
  type ServiceProcess,
  seatkeeper,
  startService,
} from '../support/service-process.js';

/**
 * What the operator of a VPN server reads of its state: a subscription that keeps counting only
 * while an agent sends heartbeats, renewals and replacements the service made, an offline
 * certificate imported twice.
 */
describe('the agent’s state, explained by its commands against a real service process', () => {
  const dir = tempDir('seatkeeper-state-cli-');
  const data = resolve(dir.path, 'data');
  let service: ServiceProcess;
  let agentEnv: NodeJS.ProcessEnv;
  const agent = (args: string[], state: string) =>
    seatkeeper(['agent', ...args, '--state', resolve(dir.path, state)], { env: agentEnv });
  const staff = (args: string[]) => seatkeeper([...args, '--data', data]);

  beforeAll(async () => {
    service = await startService({ dataDir: data });
    agentEnv = installAgent(resolve(dir.path, 'installed-agent'), service.vendorKeyFile);
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  const freshKey = () => customerWithKey(data);

  it('says a lease pool counts while an agent sends heartbeats, what to do once it lapsed, and `agent refresh` brings it back', async () => {
    const { email } = await freshKey();
    const created = await staff([
      'subscription',
      'create',
      '--account',
      email,
      '--connections',
      '100',
      '--mode',
      'lease',
      '--heartbeat',
      '1s',
    ]);
    const key = created.stdout.split('\n')[0] ?? '';
    const joined = await agent(['subscribe', key, '--service', service.url], 'lapsing');
    expect(joined.code).toBe(0);
    expect(joined.stdout).toMatch(/Subscription sub_\w+ \(lease\): lease 5 of 100; counting\./);
    expect(joined.stdout).toContain(
      "This server holds 5 of the pool's 100 connections now and takes more, a few at a time, as its tunnels need them, up to all 100",
    );
    expect(joined.stdout).toMatch(
      /A running agent keeps this server in the pool with a heartbeat every 1 s, but none runs on this state directory: without one the subscription stops counting here at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; start the agent \(`seatkeeper agent run`, or `systemctl start seatkeeper-agent`\)/,
    );

    // No agent runs: the lease lapses three intervals after the last heartbeat.
    await expect
      .poll(
        async () => JSON.parse((await agent(['usage', '--json'], 'lapsing')).stdout).subscription.counting,
        {
          timeout: 20_000,
        },
      )
      .toBe(false);
    const lapsed = await agent(['usage'], 'lapsing');
    expect(lapsed.stdout).toMatch(/^\[0, 2\]\n/);
    expect(lapsed.stdout).toContain('not counting (no answer within its grace or lease)');
    expect(lapsed.stdout).toContain(
      'No agent runs on this state directory to send heartbeats: start the agent (`seatkeeper agent run`, or `systemctl start seatkeeper-agent`) to keep this server in the pool, or run `seatkeeper agent refresh` to send one heartbeat now.',
    );

    const refreshed = await agent(['refresh'], 'lapsing');
    expect(refreshed.code).toBe(0);
    expect(refreshed.stdout).toMatch(
      /^Subscription sub_\w+: heartbeat sent and answered\.\nSubscription sub_\w+ \(lease\): lease 5 of 100; counting\.\n/,
    );
    expect(refreshed.stdout).toContain('none runs on this state directory');
  });

  it('says when the running agent holds the pool’s heartbeats, and `agent refresh` asks it for one rather than speak for its tunnels', async () => {
    const { email } = await freshKey();
    const created = await staff([
      'subscription',
      'create',
      '--account',
      email,
      '--connections',
      '10',
      '--mode',
      'lease',
      '--heartbeat',
      '1s',
    ]);
    const key = created.stdout.split('\n')[0] ?? '';
    expect((await agent(['subscribe', key, '--service', service.url], 'with-agent')).code).toBe(0);
    // An agent with no OpenVPN server to attach to: it runs, and sends no heartbeat until attached.
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        CLI,
        'agent',
        'run',
        '--state',
        resolve(dir.path, 'with-agent'),
        '--openvpn-management',
        `127.0.0.1:${port}`,
      ],
      { stdio: 'ignore', env: { ...process.env, ...agentEnv } },
    );
    const exited = new Promise((done) => child.once('exit', done));
    try {
      const usage = () => agent(['usage'], 'with-agent');
      await expect
        .poll(async () => (await usage()).stdout, { timeout: 20_000 })
        .toContain(`The running agent (pid ${child.pid}) has had no answer from the pool in time`);
      const refreshed = await agent(['refresh'], 'with-agent');
      expect(refreshed.stdout).toMatch(
        new RegExp(
          `^Subscription sub_\\w+: the running agent \\(pid ${child.pid}\\) sends its heartbeats, and was told to send one now\\.\n$`,
        ),
      );
      expect(refreshed.stderr).toContain(`The running agent (pid ${child.pid}) reads the change now.`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refreshes a renewed key without --force, and shows a replaced key with its replacement and its last day', async () => {
    const { key } = await freshKey();
    expect((await agent(['activate', key, '--service', service.url], 'replaced')).code).toBe(0);
    const unchanged = await agent(['refresh'], 'replaced');
    expect([unchanged.code, unchanged.stdout]).toEqual([
      0,
      'The license service has no change for this server’s keys; no certificate needs refreshing yet.\n',
    ]);

    expect((await staff(['key', 'renew', key])).code).toBe(0);
    const renewed = await agent(['refresh'], 'replaced');
    expect([renewed.code, renewed.stdout]).toEqual([
      0,
      expect.stringMatching(/^lic_\w+: refreshed \(changed by the license service\), valid until /),
    ]);
    const usage = JSON.parse((await agent(['usage', '--json'], 'replaced')).stdout);
    expect(usage.licenses[0].ends.slice(0, 4)).toBe(String(new Date().getUTCFullYear() + 2));

    const replaced = await staff(['key', 'replace', key]);
    const newKey = replaced.stdout.split('\n')[0] ?? '';
    const hint = newKey.slice(-4);
    expect((await agent(['refresh'], 'replaced')).stdout).toMatch(
      /refreshed \(changed by the license service\)/,
    );
    const shown = await agent(['usage'], 'replaced');
    expect(shown.stdout).toMatch(/^\[0, 10\]\n/);
    expect(shown.stdout).toMatch(
      new RegExp(`counting .*replaced by …${hint}, stops at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`),
    );
    expect(shown.stdout).toMatch(
      new RegExp(
        `Key …${key.slice(-4)} \\(lic_\\w+\\) was replaced by the key …${hint} \\(lic_\\w+\\) and stops counting at .* UTC: activate the new key in its place \\(\`seatkeeper agent activate <the key ending in ${hint}>\``,
      ),
    );
    // The operator reads the new key in the account; the server never holds it.
    expect(shown.stdout).not.toContain(newKey);
  });

  it('says an offline certificate imported twice is already installed, with a stable code', async () => {
    const { key } = await freshKey();
    const requestFile = resolve(dir.path, 'twice-request.json');
    const certificateFile = resolve(dir.path, 'twice-certificate.json');
    writeFileSync(requestFile, (await agent(['offline-request', key], 'twice')).stdout);
    writeFileSync(certificateFile, (await staff(['key', 'offline-activate', requestFile])).stdout);
    expect((await agent(['offline-import', certificateFile], 'twice')).code).toBe(0);
    const again = await agent(['offline-import', certificateFile], 'twice');
    expect([again.code, again.stderr]).toEqual([
      1,
      expect.stringMatching(
        /^seatkeeper: This certificate is already installed on this server: lic_\w+ counts from it\. Nothing to do\. \(certificate_already_imported\)\n$/,
      ),
    ]);
    expect((await agent(['usage'], 'twice')).stdout).toMatch(/^\[0, 10\]\n/);
  });
});
