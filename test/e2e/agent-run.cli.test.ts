import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { freePort } from '../support/openvpn.js';
import { CLI } from '../support/service-process.js';

/** `agent run` refusing bad configuration, and a second agent on one state directory. */
describe('seatkeeper agent run, before any OpenVPN server', () => {
  const state = tempDir('seatkeeper-run-');
  afterAll(() => state.remove());
  const seatkeeper = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      env: { ...process.env, SEATKEEPER_OPENVPN_MANAGEMENT: '' },
    });

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
      ['--openvpn-management', '127.0.0.1:7505', '--management-password-file', '/nonexistent/pw'],
      /cannot read the management password file/,
    ],
  ])('refuses %j with exit code 2 and says why', (args, message) => {
    const result = seatkeeper('agent', 'run', '--state', state.path, ...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('keeps trying a management interface that is not there, and keeps a second agent off its state directory', async () => {
    const port = await freePort();
    const first = spawn(
      process.execPath,
      [CLI, 'agent', 'run', '--state', state.path, '--openvpn-management', `127.0.0.1:${port}`],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    first.stdout.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    try {
      await expect
        .poll(() => (log.match(/"event":"management_unavailable"/g) ?? []).length, { timeout: 15_000 })
        .toBeGreaterThanOrEqual(2);
      const second = seatkeeper(
        'agent',
        'run',
        '--state',
        state.path,
        '--openvpn-management',
        `127.0.0.1:${port}`,
      );
      expect(second.status).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`another agent \\(pid ${first.pid}\\) is running`));
      const usage = JSON.parse(seatkeeper('agent', 'usage', '--json', '--state', state.path).stdout) as {
        connected: number;
        licensed: number;
      };
      expect(usage).toMatchObject({ connected: 0, licensed: 2 });
    } finally {
      first.kill('SIGTERM');
      await new Promise((done) => first.once('exit', done));
    }
    expect(first.exitCode).toBe(0);
    // A clean stop gives the directory back, and a lock left from before a reboot does not count.
    writeFileSync(join(state.path, 'run.lock'), `${process.pid} boot-before-this-one\n`);
    const third = spawn(process.execPath, [
      CLI,
      'agent',
      'run',
      '--state',
      state.path,
      '--openvpn-management',
      `127.0.0.1:${port}`,
    ]);
    let thirdLog = '';
    third.stdout.on('data', (chunk: Buffer) => {
      thirdLog += chunk.toString();
    });
    await expect.poll(() => thirdLog, { timeout: 15_000 }).toMatch(/"event":"management_unavailable"/);
    third.kill('SIGKILL');
    await new Promise((done) => third.once('exit', done));
  });
});
