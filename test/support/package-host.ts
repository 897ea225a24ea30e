import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WatchedProcess } from './openvpn.js';
import type { CliOutcome } from './service-process.js';

/**
 * This host as a server the agent's Debian package is installed on: the package built by
 * `npm run package`, installed with dpkg, its unit's command run as its user, then purged. One
 * install at a time across every checkout on the host (an exclusive lock in the temp directory), and
 * the host left as it was found.
 */
const run = promisify(execFile);

export const PACKAGE = 'seatkeeper-agent';
export const AGENT_USER = 'seatkeeper';
export const UNIT_FILE = '/lib/systemd/system/seatkeeper-agent.service';
const PACKAGE_SCRIPT = resolve(import.meta.dirname, '../../scripts/package.mjs');
const LOCK_FILE = join(tmpdir(), 'seatkeeper-agent-package.lock');
/** What systemd gives a unit's command, before the unit's own environment. */
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Why the package cannot be built here (no dpkg-deb), or undefined. */
export function packageBuildUnavailable(): string | undefined {
  return spawnSync('dpkg-deb', ['--version']).error === undefined
    ? undefined
    : 'dpkg-deb is not installed (not a Debian host)';
}

/** Why the package cannot be installed here, or undefined. */
export function packageInstallUnavailable(): string | undefined {
  const build = packageBuildUnavailable();
  if (build !== undefined) return build;
  if (process.getuid?.() !== 0) return 'not root: installing a Debian package needs root';
  for (const tool of ['dpkg', 'runuser', 'setpriv', 'flock'])
    if (spawnSync(tool, ['--version']).error !== undefined) return `${tool} is not installed`;
  return undefined;
}

/** `npm run package -- ARGS`: its outcome; a non-zero exit is an outcome, not a throw. */
export async function packageScript(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [PACKAGE_SCRIPT, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliOutcome;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The package built with this vendor key into `outDir`; its path. */
export async function buildPackage(vendorKeyFile: string, outDir: string): Promise<string> {
  const built = await packageScript(['--vendor-key', vendorKeyFile, '--out', outDir]);
  if (built.code !== 0) throw new Error(`npm run package failed (${built.code}):\n${built.stderr}`);
  return built.stdout.trim();
}

/**
 * Runs `use` holding the host's package lock: another run, from this checkout or another, waits.
 * The lock is flock(1)'s, held by a child process for as long as its stdin stays open, so that it
 * is released even when this process dies.
 */
export async function withPackageLock<T>(use: () => Promise<T>): Promise<T> {
  const holder = spawn('flock', ['--exclusive', LOCK_FILE, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((done) => holder.once('exit', () => done()));
  await new Promise<void>((locked, failed) => {
    holder.stdout.once('data', () => locked());
    holder.once('exit', (code) => failed(new Error(`flock ${LOCK_FILE} exited with ${code}`)));
  });
  try {
    return await use();
  } finally {
    holder.stdin.end();
    await exited;
  }
}

/**
 * What of the package's is on this host already (from an install of its own, or a run that
 * crashed): a test would replace it and purge it, so it does not run then. Undefined when clean.
 */
export function packageTraces(extraPaths: string[] = []): string | undefined {
  const status = spawnSync('dpkg-query', ['-W', `-f=\${db:Status-Status}`, PACKAGE], { encoding: 'utf8' });
  if (status.status === 0 && status.stdout !== 'not-installed')
    return `the ${PACKAGE} package is on this host (${status.stdout}): \`dpkg --purge ${PACKAGE}\` if it is a test's leftover`;
  if (spawnSync('getent', ['passwd', AGENT_USER]).status === 0)
    return `the user ${AGENT_USER} exists on this host`;
  if (spawnSync('getent', ['group', AGENT_USER]).status === 0)
    return `the group ${AGENT_USER} exists on this host`;
  for (const path of [
    '/etc/seatkeeper',
    '/var/lib/seatkeeper-agent',
    '/etc/default/seatkeeper-agent',
    ...extraPaths,
  ])
    if (existsSync(path)) return `${path} exists on this host`;
  return undefined;
}

/**
 * Purges the package if it is there, then removes the user and group it made (a purge leaves
 * them, as Debian leaves system users): the host as the test found it.
 */
export async function purgePackage(): Promise<void> {
  await run('dpkg', ['--purge', PACKAGE]);
  if (spawnSync('getent', ['passwd', AGENT_USER]).status === 0) await run('userdel', [AGENT_USER]);
  if (spawnSync('getent', ['group', AGENT_USER]).status === 0) await run('groupdel', [AGENT_USER]);
}

/** The user, command and environment systemd would run the installed unit with. */
export interface UnitCommand {
  user: string;
  command: string[];
  env: Record<string, string>;
}

/** `KEY=value` lines (systemd's EnvironmentFile and Environment= syntax, unquoted values). */
export function environmentLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) env[match[1]] = match[2].trim();
  }
  return env;
}

/** The installed unit's User=, ExecStart= and environment (Environment=, then EnvironmentFile=). */
export function installedUnit(unitFile = UNIT_FILE): UnitCommand {
  const lines = readFileSync(unitFile, 'utf8').split('\n');
  const values = (name: string) =>
    lines.filter((line) => line.startsWith(`${name}=`)).map((line) => line.slice(name.length + 1).trim());
  const [user] = values('User');
  const [execStart] = values('ExecStart');
  if (user === undefined || execStart === undefined)
    throw new Error(`${unitFile} has no User= or ExecStart=`);
  const env: Record<string, string> = {};
  for (const assignment of values('Environment')) Object.assign(env, environmentLines(assignment));
  for (const file of values('EnvironmentFile')) {
    const path = file.replace(/^-/, '');
    if (existsSync(path) || !file.startsWith('-'))
      Object.assign(env, environmentLines(readFileSync(path, 'utf8')));
  }
  return { user, command: execStart.split(/\s+/), env };
}

/** The unit's command as its user, without systemd: what `systemctl start` would run. */
export function startUnit(unit: UnitCommand = installedUnit()): WatchedProcess {
  const child = spawn(
    'setpriv',
    ['--reuid', unit.user, '--regid', unit.user, '--init-groups', '--', ...unit.command],
    { cwd: '/', env: { PATH: SYSTEM_PATH, ...unit.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new WatchedProcess(`${unit.command.join(' ')} as ${unit.user}`, child);
}

/** A shell command line as root, as an administrator types it: its outcome. */
export async function asRoot(line: string, cwd = '/'): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await run('bash', ['-euo', 'pipefail', '-c', line], {
      cwd,
      env: { PATH: SYSTEM_PATH, HOME: '/root', LANG: 'C.UTF-8' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliOutcome;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
