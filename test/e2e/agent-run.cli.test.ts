import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { freePort } from '../support/openvpn.js';
import { CLI, installAgent, seatkeeper } from '../support/service-process.js';

/** `agent run` refusing bad configuration, and a second agent on one state directory. */
describe('seatkeeper agent run, before any OpenVPN server', () => {
  const state = tempDir('seatkeeper-run-');
  const installation = tempDir('seatkeeper-run-installed-');
  afterAll(() => {
    state.remove();
    installation.remove();
  });
  // A vendor key of its own: no service is needed to start an agent with no licenses.
  const vendorKeyFile = join(installation.path, 'vendor-given.pem');
  writeFileSync(
    vendorKeyFile,
    generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
  );
  const env = {
    SEATKEEPER_OPENVPN_MANAGEMENT: '',
    ...installAgent(join(installation.path, 'config'), vendorKeyFile),
  };
  // A key anyone may replace, as the agent's own user could name one of their own.
  const openFolder = join(installation.path, 'open');
  mkdirSync(openFolder);
  chmodSync(openFolder, 0o777);
  const openKeyFile = join(openFolder, 'vendor.pem');
  writeFileSync(
    openKeyFile,
    generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
  );
  const machineFile = join(installation.path, 'machine-a.json');
  writeFileSync(machineFile, JSON.stringify({ machineId: 'machine-a', hostname: 'vpn-a.example.net' }));

  it.each([
    [[], /give the OpenVPN management interface/],
    [['--openvpn-management', 'localhost'], /must be HOST:PORT/],
    [['--openvpn-management', '127.0.0.1:99999'], /must be HOST:PORT/],
    [['--openvpn-management', '127.0.0.1:7505', '--log-level', 'loud'], /log level must be one of/],
    [
      ['--openvpn-management', '127.0.0.1:7505', '--resync-interval', 'often'],
      /--resync-interval must be a duration/,
    ],
    [
      ['--openvpn-management', '127.0.0.1:7505', '--check-interval', 'soon'],
      /--check-interval must be a duration/,
    ],
    [
      ['--openvpn-management', '127.0.0.1:7505', '--management-password-file', '/nonexistent/pw'],
      /cannot read the management password file/,
    ],
    [
      ['--openvpn-management', '127.0.0.1:7505', '--simulate-machine', machineFile],
      /agent run decides real connections with this machine's own properties; a simulated machine .* is for tests and labs only \(machine_simulated\)/,
    ],
    [
      ['--openvpn-management', '127.0.0.1:7505', '--vendor-key', openKeyFile],
      /agent run trusts only a vendor key that root alone can change: .*writable by others.*\(vendor_key_unprotected\)/,
    ],
  ])('refuses %j with exit code 2 and says why', async (args, message) => {
    const result = await seatkeeper(['agent', 'run', '--state', state.path, ...args], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('keeps trying a management interface that is not there, and keeps a second agent off its state directory', async () => {
    const port = await freePort();
    const runArgs = ['agent', 'run', '--state', state.path, '--openvpn-management', `127.0.0.1:${port}`];
    /** A running agent and a count of its failed attempts to attach. */
    const startRun = () => {
      const child = spawn(process.execPath, [CLI, ...runArgs], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      });
      let log = '';
      child.stdout.on('data', (chunk: Buffer) => {
        log += chunk.toString();
      });
      const attempts = () => (log.match(/"event":"management_unavailable"/g) ?? []).length;
      const exited = new Promise<number | null>((done) => child.once('exit', done));
      return { child, attempts, exited };
    };

    const first = startRun();
    try {
      await expect.poll(first.attempts, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
      const second = await seatkeeper(runArgs, { env });
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`another agent \\(pid ${first.child.pid}\\) is running`));
      const usage = JSON.parse(
        (await seatkeeper(['agent', 'usage', '--json', '--state', state.path], { env })).stdout,
      );
      expect(usage).toMatchObject({ connected: 0, licensed: 2 });
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);

    // A clean stop gives the directory back, and a lock left from before a reboot does not count.
    writeFileSync(join(state.path, 'run.lock'), `${process.pid} boot-before-this-one\n`);
    const third = startRun();
    await expect.poll(third.attempts, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    third.child.kill('SIGKILL');
    await third.exited;
  });
});
