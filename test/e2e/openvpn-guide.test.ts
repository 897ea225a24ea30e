import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { CONNECTED, OpenvpnLab, openvpnUnavailable, type WatchedProcess } from '../support/openvpn.js';
import {
  asRoot,
  buildPackage,
  installedUnit,
  packageInstallUnavailable,
  packageTraces,
  purgePackage,
  startUnit,
  withPackageLock,
} from '../support/package-host.js';
import { customerWithKey, type ServiceProcess, startService } from '../support/service-process.js';

/**
 * docs/openvpn.md followed line by line on this host: its shell lines run as root as written, its
 * OpenVPN lines in a real OpenVPN server's configuration, with only the guide's placeholders (the
 * license key, the service's address) replaced. What needs the internet or systemd is skipped with
 * the reason printed, and stood in for where the rest depends on it.
 */
const GUIDE = readFileSync(resolve(import.meta.dirname, '../../docs/openvpn.md'), 'utf8');
const PLACEHOLDER_KEY = 'XXXX-XXXX-XXXX-XXXX-XXXX';
const PLACEHOLDER_SERVICE = 'https://licenses.vendor.example';
const PASSWORD_FILE = '/etc/openvpn/server/management-password';
const GUIDE_MANAGEMENT_PORT = 7505;

interface Block {
  heading: string;
  language: string;
  lines: string[];
}

/** The guide's fenced blocks, each under its section's heading, continued lines joined. */
function guideBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let heading = '';
  for (const match of markdown.matchAll(/^(## .*)$|^```(\w+)\n([\s\S]*?)^```$/gm)) {
    if (match[1] !== undefined) heading = match[1].slice(3);
    else
      blocks.push({
        heading,
        language: match[2] ?? '',
        lines: (match[3] ?? '')
          .replaceAll('\\\n', ' ')
          .split('\n')
          .filter((line) => line.trim() !== ''),
      });
  }
  return blocks;
}

/** Shell lines this host does not run, and why. */
const NOT_HERE: [RegExp, string][] = [
  [
    /^apt-get (update|install -y [a-z])|^curl |^install -d .*\/etc\/apt\/|^echo "deb /,
    'it installs from the internet',
  ],
  [/^journalctl /, 'there is no systemd journal here'],
];
/** What stands in for systemd's commands: a real OpenVPN server, the unit's command as its user. */
const STAND_INS: [RegExp, 'openvpn' | 'agent'][] = [
  [/^systemctl restart openvpn-server@server$/, 'openvpn'],
  [/^systemctl enable --now seatkeeper-agent$/, 'agent'],
];

function portTaken(port: number): Promise<boolean> {
  return new Promise((answer) => {
    const probe = createServer();
    probe.once('error', () => answer(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => answer(false)));
  });
}

const unavailable = openvpnUnavailable() ?? packageInstallUnavailable();
if (unavailable !== undefined) console.warn(`skipping the OpenVPN guide's test: ${unavailable}`);

it.runIf(process.env.SEATKEEPER_REQUIRE_PACKAGE === '1' && unavailable !== undefined)(
  'follows the OpenVPN guide where it is required (SEATKEEPER_REQUIRE_PACKAGE=1)',
  () => {
    throw new Error(`SEATKEEPER_REQUIRE_PACKAGE=1 but: ${unavailable}`);
  },
);

describe('docs/openvpn.md, followed on this host', () => {
  const blocks = guideBlocks(GUIDE);

  it('has the blocks this test follows: the package, the three lines with a password file, the settings, activation, start, check', () => {
    const shell = blocks.filter((block) => block.language === 'sh').flatMap((block) => block.lines);
    expect(shell).toContain('apt install ./seatkeeper-agent_*.deb');
    const conf = blocks.filter((block) => block.language === 'conf');
    expect(conf).toHaveLength(1);
    expect(conf[0]?.lines).toEqual([
      `management 127.0.0.1 ${GUIDE_MANAGEMENT_PORT} ${PASSWORD_FILE}`,
      'management-client-auth',
      'auth-user-pass-optional',
    ]);
    expect(shell.some((line) => line.includes(PLACEHOLDER_KEY) && line.includes(PLACEHOLDER_SERVICE))).toBe(
      true,
    );
    for (const [pattern] of STAND_INS) expect(shell.some((line) => pattern.test(line))).toBe(true);
    // The settings shown are the package's own file.
    const settings = blocks.find((block) => block.language === 'ini')?.lines.join('\n');
    expect(`${settings}\n`).toBe(
      readFileSync(resolve(import.meta.dirname, '../../packaging/default'), 'utf8').replace(/\n+$/, '\n'),
    );
  });

  describe.skipIf(unavailable !== undefined)(
    'as root on a Debian host with OpenVPN',
    { timeout: 240_000 },
    () => {
      const dir = tempDir('seatkeeper-guide-');
      let service: ServiceProcess;
      let deb: string;
      let key: string;
      let lab: OpenvpnLab;

      beforeAll(async () => {
        service = await startService({ dataDir: join(dir.path, 'data') });
        deb = await buildPackage(service.vendorKeyFile, join(dir.path, 'out'));
        ({ key } = await customerWithKey(join(dir.path, 'data')));
        lab = await OpenvpnLab.create(mkdtempSync(join(dir.path, 'openvpn-')));
      });
      afterAll(async () => {
        await lab?.stopAll();
        await service?.stop();
        dir.remove();
      });

      it('runs every shell line it can, and a client connects through the agent the guide set up', async (context) => {
        await withPackageLock(async () => {
          const traces =
            packageTraces([PASSWORD_FILE]) ??
            ((await portTaken(GUIDE_MANAGEMENT_PORT))
              ? `port ${GUIDE_MANAGEMENT_PORT} is in use`
              : undefined);
          if (traces !== undefined) {
            console.warn(`skipping the OpenVPN guide's test: ${traces}`);
            context.skip();
          }
          const outputs = new Map<string, string>();
          let openvpnPort: number | undefined;
          let agent: WatchedProcess | undefined;
          try {
            for (const block of blocks.filter((each) => each.language === 'sh'))
              for (const written of block.lines) {
                const line = written.replace(/\s+#.*$/, '');
                const skipped = NOT_HERE.find(([pattern]) => pattern.test(line));
                const standIn = STAND_INS.find(([pattern]) => pattern.test(line))?.[1];
                if (skipped !== undefined) {
                  console.warn(`guide, ${block.heading}: not run here (${skipped[1]}): ${line}`);
                } else if (standIn === 'openvpn') {
                  const lines = blocks.find((each) => each.language === 'conf')?.lines.join('\n') ?? '';
                  const server = await lab.server({ lines: `${lines}\n` });
                  openvpnPort = server.port;
                } else if (standIn === 'agent') {
                  agent = startUnit(installedUnit());
                  // Logged in and deciding, or refused by the management interface (a wrong or missing password).
                  const [, attached] = await agent.waitFor(/"event":"(ready|management_unavailable)"/);
                  expect(attached, agent.log).toBe('ready');
                } else {
                  const command = line
                    .replaceAll(PLACEHOLDER_KEY, key)
                    .replaceAll(PLACEHOLDER_SERVICE, service.url);
                  const outcome = await asRoot(command, join(dir.path, 'out'));
                  expect(outcome, `guide, ${block.heading}: ${line}`).toMatchObject({ code: 0 });
                  outputs.set(line, outcome.stdout);
                }
              }
            expect(existsSync(deb)).toBe(true);
            expect(outputs.get('node --version')).toMatch(/^v(20\.(19|[2-9]\d)|2[2-9]|[3-9]\d)\./);
            expect(outputs.get('runuser -u seatkeeper -- seatkeeper agent usage')?.split('\n')[0]).toBe(
              '[0, 10]',
            );
            const json = outputs.get('runuser -u seatkeeper -- seatkeeper agent usage --json') ?? '';
            expect(JSON.parse(json)).toMatchObject({ connected: 0, licensed: 10 });
            // The agent logged in with the password the guide set, and decides: a client connects.
            expect(agent?.log).not.toMatch(/management_unprotected|management_unavailable/);
            if (openvpnPort === undefined) throw new Error('the guide never restarted OpenVPN');
            const client = await lab.client('guide-user', openvpnPort);
            await client.waitFor(CONNECTED);
            await agent?.waitFor(/"event":"admit"/);
          } finally {
            await agent?.kill();
            await lab.stopAll();
            rmSync(PASSWORD_FILE, { force: true });
            await purgePackage();
          }
          expect(packageTraces([PASSWORD_FILE])).toBeUndefined();
        });
      });
    },
  );
});
