import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { readVendorKey } from '../../src/agent/installation.js';
import { readMachineProperties } from '../../src/agent/machine.js';
import { systemClock } from '../../src/domain/clock.js';
import { forgedAgentState, machine } from '../support/factories.js';
import { CLI, installAgent, seatkeeper } from '../support/service-process.js';
import { serviceForCommands } from './cli-fixture.js';

const run = promisify(execFile);

/**
 * The agent's commands on a VPN server: the README walkthrough as pasted, offline activation, a
 * forged state, installing the vendor key, and a state directory copied from another machine.
 */
describe('the seatkeeper command against a real service process', () => {
  const { dir, data, service, agentCommand, freshKey } = serviceForCommands();

  const serviceVendorKey = () => {
    const key = readVendorKey(service.vendorKeyFile);
    if (!key.ok) throw new Error(key.error.detail);
    return key.value;
  };

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
});
