import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { installVendorKey, readVendorKey } from '../../src/agent/installation.js';

export const CLI = resolve(import.meta.dirname, '../../bin/seatkeeper.js');

const run = promisify(execFile);

/**
 * Where the tests' agent commands find their installation unless a test installs one: a path that
 * cannot exist, so that no test reads or writes the host's /etc/seatkeeper.
 */
export const NO_INSTALLATION = '/dev/null/seatkeeper';

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `seatkeeper` command; a non-zero exit is an outcome to check, not a throw. The
 * service-side commands use the SQLite store of their `--data` unless `env` sets DATABASE_URL.
 */
export async function seatkeeper(
  args: string[],
  /** `entry`: the script node runs; `bin/seatkeeper.js` by default, which runs the bundle when it is current. */
  options: { cwd?: string; env?: NodeJS.ProcessEnv; entry?: string } = {},
): Promise<CliOutcome> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.SEATKEEPER_VENDOR_KEY;
  env.SEATKEEPER_AGENT_CONFIG = NO_INSTALLATION;
  Object.assign(env, options.env);
  try {
    const { stdout, stderr } = await run(process.execPath, [options.entry ?? CLI, ...args], {
      cwd: options.cwd,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliOutcome;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * Installs an agent's vendor key in `configDir`, as `agent install` does; returns the environment
 * (SEATKEEPER_AGENT_CONFIG) under which agent commands find it.
 */
export function installAgent(configDir: string, vendorKeyFile: string): { SEATKEEPER_AGENT_CONFIG: string } {
  const key = readVendorKey(vendorKeyFile);
  const installed = key.ok ? installVendorKey(configDir, key.value) : key;
  if (!installed.ok) throw new Error(installed.error.detail);
  return { SEATKEEPER_AGENT_CONFIG: configDir };
}

export interface ServiceProcess {
  url: string;
  /** The vendor public key `serve` wrote into its data directory, for agents to be installed with. */
  vendorKeyFile: string;
  child: ChildProcess;
  /** Everything it printed to stderr (the banner with the bootstrap token). */
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Starts `seatkeeper serve` as a real process on 127.0.0.1 and an OS-chosen port. */
export function startService(options: {
  dataDir: string;
  databaseUrl?: string | undefined;
  args?: string[];
  /** More environment (a payment provider's settings). */
  env?: NodeJS.ProcessEnv;
}): Promise<ServiceProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.DATABASE_URL;
  if (options.databaseUrl !== undefined) env.DATABASE_URL = options.databaseUrl;
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--data', options.dataDir, '--log-level', 'info', ...(options.args ?? [])],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((ready, failed) => {
    const timer = setTimeout(() => {
      void stop();
      failed(new Error(`service did not start in 120 s:\n${stderr}`));
    }, 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      failed(new Error(`service exited with ${code} before listening:\n${stderr}`));
    });
    // The banner is written to stderr in one piece once the service listens: it is the signal.
    child.stderr?.on('data', () => {
      const url = /Seatkeeper license service on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        ready({ url, vendorKeyFile: join(options.dataDir, 'vendor.pem'), child, stderr: () => stderr, stop });
      }
    });
    child.stdout?.resume();
  });
}

export interface CustomerKey {
  email: string;
  key: string;
  id: string;
  /** The account owner's API token. */
  ownerToken: string;
}

/** A fresh account with one fresh key, made through the staff commands on the service's `data` folder. */
export async function customerWithKey(data: string, connections = 10): Promise<CustomerKey> {
  const email = `customer-${randomBytes(4).toString('hex')}@example.com`;
  const created = await seatkeeper(['account', 'create', '--email', email, '--json', '--data', data]);
  if (created.code !== 0) throw new Error(`account create failed: ${created.stderr}`);
  const issued = await seatkeeper([
    'key',
    'issue',
    ...['--account', email, '--connections', `${connections}`, '--json', '--data', data],
  ]);
  if (issued.code !== 0) throw new Error(`key issue failed: ${issued.stderr}`);
  const { key, id } = JSON.parse(issued.stdout) as { key: string; id: string };
  return { email, key, id, ownerToken: (JSON.parse(created.stdout) as { ownerToken: string }).ownerToken };
}
