import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { FakeOpenvpn } from '../support/fake-openvpn.js';
import {
  AGENT_USER,
  asRoot,
  buildPackage,
  installedUnit,
  PACKAGE,
  packageBuildUnavailable,
  packageInstallUnavailable,
  packageScript,
  packageTraces,
  purgePackage,
  startUnit,
  withPackageLock,
} from '../support/package-host.js';
import {
  customerWithKey,
  type ServiceProcess,
  seatkeeper,
  startService,
} from '../support/service-process.js';

/**
 * The agent's Debian package (`npm run package`): what it holds, and on a root Debian host, the
 * package installed, its unit's command run as its user against an OpenVPN management interface,
 * a key activated and read back, then purged.
 */
const run = promisify(execFile);
const cannotBuild = packageBuildUnavailable();
const cannotInstall = packageInstallUnavailable();
if (cannotBuild !== undefined) console.warn(`skipping the Debian package tests: ${cannotBuild}`);
else if (cannotInstall !== undefined)
  console.warn(`skipping the Debian package's install test: ${cannotInstall}`);

it.runIf(process.env.SEATKEEPER_REQUIRE_PACKAGE === '1' && cannotInstall !== undefined)(
  'installs the Debian package where it is required (SEATKEEPER_REQUIRE_PACKAGE=1)',
  () => {
    throw new Error(`SEATKEEPER_REQUIRE_PACKAGE=1 but: ${cannotInstall}`);
  },
);

const MANAGEMENT_PASSWORD = 'package-test-password';

describe.skipIf(cannotBuild !== undefined)('the agent’s Debian package', { timeout: 180_000 }, () => {
  const dir = tempDir('seatkeeper-package-');
  let service: ServiceProcess;
  let deb: string;

  beforeAll(async () => {
    service = await startService({ dataDir: join(dir.path, 'data') });
    deb = await buildPackage(service.vendorKeyFile, join(dir.path, 'out'));
  });
  afterAll(async () => {
    await service?.stop();
    dir.remove();
  });

  it('holds the bundled agent, its command, its unit with its settings, and the vendor key, for any architecture', async () => {
    expect(deb).toBe(join(dir.path, 'out', `${PACKAGE}_0.1.0_all.deb`));
    const field = async (name: string) => (await run('dpkg-deb', ['--field', deb, name])).stdout.trim();
    expect(await field('Architecture')).toBe('all');
    expect(await field('Depends')).toMatch(/^nodejs \(>= 20\.19\)/);
    const { stdout: listing } = await run('dpkg-deb', ['--contents', deb]);
    const files = listing
      .split('\n')
      .filter((line) => line.startsWith('-'))
      .map((line) => line.split(/\s+/));
    const paths = files.map((columns) => columns.at(-1));
    expect(paths).toEqual(
      expect.arrayContaining([
        './usr/bin/seatkeeper',
        './usr/lib/seatkeeper-agent/seatkeeper.mjs',
        './lib/systemd/system/seatkeeper-agent.service',
        './etc/default/seatkeeper-agent',
        './etc/seatkeeper/vendor.pem',
      ]),
    );
    // The bundle alone: no installed package, no native module.
    expect(
      paths.filter((path) => !/^\.\/usr\/lib\/seatkeeper-agent\/[\w-]+\.mjs$/.test(path ?? '')),
    ).toHaveLength(4);
    expect(paths.some((path) => /node_modules|\.node$/.test(path ?? ''))).toBe(false);
    // Every file root's, the vendor key readable by all and writable by root alone.
    expect(files.every((columns) => columns[1] === 'root/root')).toBe(true);
    expect(files.find((columns) => columns.at(-1) === './etc/seatkeeper/vendor.pem')?.[0]).toBe('-rw-r--r--');
    const { stdout: conffiles } = await run('dpkg-deb', ['--info', deb, 'conffiles']);
    expect(conffiles.split('\n')).toContain('/etc/default/seatkeeper-agent');
    // Debian 12's own nodejs is too old for the agent: apt refuses the package there.
    const satisfies = (version: string) =>
      run('dpkg', ['--compare-versions', version, 'ge', '20.19']).then(
        () => true,
        () => false,
      );
    expect(await satisfies('18.19.0+dfsg-6~deb12u2')).toBe(false);
    expect(await satisfies('20.19.0-1nodesource1')).toBe(true);
  });

  it('refuses a missing or wrong vendor key, and says what it needs', async () => {
    const help = await packageScript(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--vendor-key FILE/);
    const none = await packageScript([]);
    expect([none.code, none.stderr]).toEqual([
      2,
      expect.stringMatching(/give the vendor public key: --vendor-key FILE/),
    ]);
    const missing = await packageScript(['--vendor-key', join(dir.path, 'nowhere.pem')]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/nowhere\.pem does not exist/)]);
    const privateKey = join(dir.path, 'data', 'signing-key.pem');
    const wrong = await packageScript(['--vendor-key', privateKey, '--out', dir.path]);
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringMatching(/this is a private key/)]);
    const noDpkg = await packageScript(['--vendor-key', service.vendorKeyFile], { PATH: '/nonexistent' });
    expect([noDpkg.code, noDpkg.stderr]).toEqual([2, expect.stringMatching(/dpkg-deb is not installed/)]);
  });

  it.skipIf(cannotInstall !== undefined)(
    'installs, runs its unit as the seatkeeper user, activates a key as that user, and purges',
    async (context) => {
      await withPackageLock(async () => {
        const traces = packageTraces();
        if (traces !== undefined) {
          console.warn(`skipping the Debian package's install test: ${traces}`);
          context.skip();
        }
        const management = await FakeOpenvpn.start({ password: MANAGEMENT_PASSWORD });
        let agent: ReturnType<typeof startUnit> | undefined;
        try {
          await run('dpkg', ['-i', deb]);
          const { uid, gid } = userIds(AGENT_USER);
          const state = statSync('/var/lib/seatkeeper-agent');
          expect([state.uid, state.gid, state.mode & 0o777]).toEqual([uid, gid, 0o700]);
          const vendorKey = statSync('/etc/seatkeeper/vendor.pem');
          expect([vendorKey.uid, vendorKey.mode & 0o777]).toEqual([0, 0o644]);
          expect(readFileSync('/etc/seatkeeper/vendor.pem', 'utf8')).toBe(
            readFileSync(service.vendorKeyFile, 'utf8'),
          );

          // The administrator's settings, as the guide has them edited, with a password file the
          // seatkeeper group reads.
          const passwordFile = join(dir.path, 'management-password');
          writeFileSync(passwordFile, `${MANAGEMENT_PASSWORD}\n`, { mode: 0o640 });
          chownSync(passwordFile, 0, gid);
          chmodSync(dir.path, 0o711);
          const { port } = management.address as { port: number };
          writeFileSync(
            '/etc/default/seatkeeper-agent',
            readFileSync('/etc/default/seatkeeper-agent', 'utf8')
              .replace(
                /^SEATKEEPER_OPENVPN_MANAGEMENT=.*$/m,
                `SEATKEEPER_OPENVPN_MANAGEMENT=127.0.0.1:${port}`,
              )
              .replace(
                /^SEATKEEPER_OPENVPN_MANAGEMENT_PASSWORD_FILE=.*$/m,
                `SEATKEEPER_OPENVPN_MANAGEMENT_PASSWORD_FILE=${passwordFile}`,
              ),
          );
          // The package carries the agent: the service's commands say where they run instead.
          const serve = await asRoot('seatkeeper serve');
          expect([serve.code, serve.stderr]).toEqual([
            2,
            expect.stringMatching(/carries the agent's commands only/),
          ]);
          const unit = installedUnit();
          expect(unit.user).toBe(AGENT_USER);
          expect(unit.command).toEqual(['/usr/bin/seatkeeper', 'agent', 'run']);
          agent = startUnit(unit);
          // Logged in and deciding, or refused by the management interface (a wrong or missing password).
          const [, attached] = await agent.waitFor(/"event":"(ready|management_unavailable)"/);
          expect(attached, agent.log).toBe('ready');
          expect(agent.log).not.toMatch(/management_unprotected|management_unavailable/);

          // Tests that install no agent still see none: /etc/seatkeeper is this host's, not theirs.
          const other = await seatkeeper(['agent', 'usage', '--state', join(dir.path, 'other-state')]);
          expect([other.code, other.stderr]).toEqual([
            2,
            expect.stringMatching(/No vendor public key .*\/dev\/null\//),
          ]);

          const { key } = await customerWithKey(join(dir.path, 'data'));
          const activated = await asRoot(
            `runuser -u ${AGENT_USER} -- seatkeeper agent activate ${key} --service ${service.url}`,
          );
          expect(activated).toMatchObject({ code: 0 });
          await agent.waitFor(/"event":"reloaded"[^\n]*"licensed":10/);
          const usage = await asRoot(`runuser -u ${AGENT_USER} -- seatkeeper agent usage`);
          expect(usage.stdout.split('\n')[0]).toBe('[0, 10]');
          // The agent decides: a connection is admitted.
          const connection = management.connect('alice');
          expect(await management.answer(connection)).toMatch(/^client-auth-nt /);
          // Files the agent's user wrote, in its state directory.
          const { stdout: owners } = await run('find', [
            '/var/lib/seatkeeper-agent',
            '!',
            '-user',
            AGENT_USER,
          ]);
          expect(owners.trim()).toBe('');
          // A purge deletes the state and keeps the system user and group (their ids stay taken).
          await agent.kill();
          agent = undefined;
          await run('dpkg', ['--purge', 'seatkeeper-agent']);
          expect(existsSync('/var/lib/seatkeeper-agent')).toBe(false);
          expect((await asRoot(`id -u ${AGENT_USER}`)).code).toBe(0);
        } finally {
          await agent?.kill();
          await management.close();
          await purgePackage();
        }
        expect(packageTraces()).toBeUndefined();
        expect(existsSync('/usr/bin/seatkeeper')).toBe(false);
      });
    },
  );
});

function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`no user ${name}`);
  return { uid: Number(uid), gid: Number(gid) };
}
