import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { freePort } from '../support/openvpn.js';
import { CLI, customerWithKey, installAgent, seatkeeper, startService } from '../support/service-process.js';
import { FormClient } from '../support/web.js';

/** `agent run --page-port` and `agent page`: the license page from the real command, no OpenVPN server up. */
describe('seatkeeper agent run --page-port, and agent page', () => {
  const state = tempDir('seatkeeper-page-run-');
  const installation = tempDir('seatkeeper-page-installed-');
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    state.remove();
    installation.remove();
  });
  const vendorKeyFile = join(installation.path, 'vendor-given.pem');
  writeFileSync(
    vendorKeyFile,
    generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
  );
  const env = {
    SEATKEEPER_OPENVPN_MANAGEMENT: '',
    SEATKEEPER_AGENT_PAGE_PORT: '',
    SEATKEEPER_AGENT_PAGE_HOST: '',
    SEATKEEPER_AGENT_PAGE_PASSWORD: '',
    ...installAgent(join(installation.path, 'config'), vendorKeyFile),
  };
  const run = ['agent', 'run', '--state', state.path, '--openvpn-management', '127.0.0.1:7505'];

  it.each([
    [['--page-port', 'web'], {}, /--page-port must be a TCP port from 1 to 65535; got "web"/],
    [['--page-host', '127.0.0.1'], {}, /the license page needs a port too/],
    [[], { SEATKEEPER_AGENT_PAGE_PORT: '99999' }, /--page-port must be a TCP port/],
    [
      ['--page-port', '9430', '--page-host', '0.0.0.0'],
      {},
      /the license page on 0\.0\.0\.0 can be reached from other machines: set SEATKEEPER_AGENT_PAGE_PASSWORD .*never a flag/,
    ],
    [
      ['--page-port', '9430'],
      { SEATKEEPER_AGENT_PAGE_HOST: '192.0.2.7', SEATKEEPER_AGENT_PAGE_PASSWORD: 'short' },
      /SEATKEEPER_AGENT_PAGE_PASSWORD: A password has at least 12 characters/,
    ],
  ])('refuses %j (env %j) with exit code 2 and says why', async (args, extra, message) => {
    const result = await seatkeeper([...run, ...args], { env: { ...env, ...extra } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('takes no password flag: a flag shows in the process list', async () => {
    const result = await seatkeeper([...run, '--page-port', '9430', '--page-password', 'x'], { env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown option '--page-password'/);
  });

  /** Starts a long-running command and waits for its page to answer. */
  async function serving(
    args: string[],
    port: number,
    extra: NodeJS.ProcessEnv = env,
  ): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...extra },
    });
    children.push(child);
    let log = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    await expect.poll(() => log, { timeout: 20_000 }).toMatch(/"event":"page_listening"/);
    expect(log).toContain(`"url":"http://127.0.0.1:${port}"`);
    return { child, exited };
  }

  it('serves the page while no OpenVPN server answers, and stops cleanly', async () => {
    const [management, port] = [await freePort(), await freePort()];
    const { child, exited } = await serving(
      [
        'agent',
        'run',
        '--state',
        state.path,
        '--openvpn-management',
        `127.0.0.1:${management}`,
        '--page-port',
        String(port),
      ],
      port,
    );
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('[0, 2]');
    expect(body).toContain('Enter Activation Key');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('serves the page alone with agent page', async () => {
    const port = await freePort();
    const { child, exited } = await serving(
      ['agent', 'page', '--state', state.path, '--page-port', String(port)],
      port,
    );
    const page = await fetch(`http://localhost:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('[0, 2]');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('activates through the page of a running agent behind its password: agent usage shows [0, 10] at once', async () => {
    const data = tempDir('seatkeeper-page-service-');
    const service = await startService({ dataDir: data.path });
    const agentState = tempDir('seatkeeper-page-live-');
    try {
      const { key } = await customerWithKey(data.path, 10);
      const installed = {
        SEATKEEPER_OPENVPN_MANAGEMENT: '',
        SEATKEEPER_AGENT_PAGE_HOST: '',
        SEATKEEPER_AGENT_PAGE_PORT: '',
        SEATKEEPER_AGENT_PAGE_PASSWORD: 'a long admin passphrase',
        ...installAgent(join(data.path, 'agent-config'), service.vendorKeyFile),
      };
      const [management, port] = [await freePort(), await freePort()];
      const { child, exited } = await serving(
        [
          'agent',
          'run',
          '--state',
          agentState.path,
          '--openvpn-management',
          `127.0.0.1:${management}`,
          '--page-port',
          String(port),
        ],
        port,
        installed,
      );
      const browser = new FormClient(`http://127.0.0.1:${port}`);
      expect((await browser.get('/')).location).toBe('/sign-in');
      await browser.get('/sign-in');
      expect((await browser.post('/sign-in', { password: 'a long admin passphrase' })).location).toBe('/');
      await browser.get('/');
      const done = await browser.post('/activate', { key, service: service.url });
      expect(done.location).toBe('/?done=activated');
      expect((await browser.get('/?done=activated')).html).toContain('[0, 10]');
      const usage = await seatkeeper(['agent', 'usage', '--state', agentState.path, '--json'], {
        env: installed,
      });
      expect(JSON.parse(usage.stdout)).toMatchObject({ connected: 0, licensed: 10 });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await service.stop();
      agentState.remove();
      data.remove();
    }
  });
});
