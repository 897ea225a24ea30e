import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, NO_INSTALLATION } from './service-process.js';
import { Waiters } from './waiters.js';

/**
 * Real OpenVPN servers and clients on 127.0.0.1 for tests and benchmarks: a throw-away PKI made
 * with openssl, servers on a tun device kept down and unrouted, clients on `dev null` over TCP.
 * Every process started here is remembered and killed by its id in `stopAll`.
 */
const run = promisify(execFile);

/** Why real OpenVPN cannot run here, or undefined when it can. */
export function openvpnUnavailable(): string | undefined {
  if (spawnSync('openvpn', ['--version']).error !== undefined)
    return 'openvpn is not installed (apt-get install openvpn)';
  if (spawnSync('openssl', ['version']).error !== undefined) return 'openssl is not installed';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun: the OpenVPN server needs a tun device';
  if (process.getuid?.() !== 0) return 'not root: the OpenVPN server cannot open a tun device';
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/net/tun is not readable and writable';
  }
  return undefined;
}

/** A port nobody listens on now, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

/** What a server prints once it takes connections. */
export const SERVER_LISTENING = /TCPv4_SERVER link local \(bound\)|Listening for incoming TCP connection/;

/** A server on a tun device it leaves down and unrouted; port, management and subnet are given per server. */
const SERVER_CONFIG = `dev tun
proto tcp-server
local 127.0.0.1
topology subnet
ifconfig-noexec
route-noexec
ca ca.crt
cert server.crt
key server.key
dh none
keepalive 10 60
connect-freq-initial 10000 10
verb 3
`;

/** The guide's lines: every connection waits for the agent's decision. */
const MANAGED_LINES = `management-client-auth
auth-user-pass-optional
`;

/** A client needing no tun device; the remote, certificate and key are given per client. */
const CLIENT_CONFIG = `client
dev null
proto tcp-client
nobind
ifconfig-noexec
route-noexec
ca ca.crt
remote-cert-tls server
auth-retry none
connect-retry 1
verb 3
`;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A CA and the certificates it signs, in one directory; client certificates made on demand. */
export class Pki {
  readonly dir: string;
  readonly #made = new Map<string, Promise<void>>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(dir: string): Promise<Pki> {
    await run(
      'openssl',
      [
        'req',
        '-x509',
        ...EC_KEY,
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        '2',
        '-subj',
        '/CN=test-ca',
      ],
      { cwd: dir },
    );
    writeFileSync(
      join(dir, 'server.ext'),
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
    );
    writeFileSync(
      join(dir, 'client.ext'),
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n',
    );
    writeFileSync(join(dir, 'server-unmanaged.conf'), SERVER_CONFIG);
    writeFileSync(join(dir, 'server.conf'), `${SERVER_CONFIG}${MANAGED_LINES}`);
    writeFileSync(join(dir, 'client.conf'), CLIENT_CONFIG);
    const pki = new Pki(dir);
    await pki.#sign('server', 'server.ext');
    return pki;
  }

  async #sign(name: string, extensions: string): Promise<void> {
    const options = { cwd: this.dir };
    await run(
      'openssl',
      ['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`],
      options,
    );
    await run(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-set_serial',
        `0x${Buffer.from(name).toString('hex').slice(0, 30)}`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        extensions,
      ],
      options,
    );
  }

  /** The certificate and key of a client with this common name, made at the first ask. */
  client(name: string): Promise<void> {
    let made = this.#made.get(name);
    if (made === undefined) {
      made = this.#sign(name, 'client.ext');
      this.#made.set(name, made);
    }
    return made;
  }
}

/** A process started for a test (OpenVPN or the agent) and everything it has printed so far. */
export class WatchedProcess {
  readonly child: ChildProcess;
  readonly name: string;
  #log = '';
  readonly #waiters = new Waiters();
  readonly exited: Promise<number | null>;

  constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    const append = (chunk: Buffer) => {
      this.#log += chunk.toString();
      this.#waiters.notify();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((done) =>
      child.once('exit', (code) => {
        this.#waiters.notify();
        done(code);
      }),
    );
  }

  get log(): string {
    return this.#log;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until the log matches; fails with the log after `timeoutMs` or if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return this.#waiters.until(
      () => this.#log.match(pattern) ?? undefined,
      timeoutMs,
      (cause) =>
        `${this.name} ${cause === 'hopeless' ? 'exited before logging' : 'did not log'} ${pattern}${cause === 'timeout' ? ` in ${timeoutMs} ms` : ''}:\n${this.#log.slice(-3000)}`,
      () => !this.running,
    );
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

export const CONNECTED = /Initialization Sequence Completed/;
export const DENIED = /AUTH_FAILED,Licensed amount of concurrent connections exceeded/;

/** Starts OpenVPN servers and clients on 127.0.0.1 and kills every one of them at the end. */
export class OpenvpnLab {
  readonly pki: Pki;
  readonly #processes = new Set<WatchedProcess>();
  #servers = 0;
  /** The environment agents start with: their installation (SEATKEEPER_AGENT_CONFIG), never the host's. */
  agentEnv: NodeJS.ProcessEnv = { SEATKEEPER_AGENT_CONFIG: NO_INSTALLATION };

  private constructor(pki: Pki) {
    this.pki = pki;
  }

  static async create(dir: string): Promise<OpenvpnLab> {
    return new OpenvpnLab(await Pki.create(dir));
  }

  #spawn(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): WatchedProcess {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const started = new WatchedProcess(name, child);
    this.#processes.add(started);
    return started;
  }

  /**
   * A server whose connections wait for a management client's decision (the three lines of the
   * guide), on a tun device it leaves down and unrouted. `managed: false` admits on its own.
   */
  async server(
    options: {
      managed?: boolean;
      args?: string[];
      /** The same port again, for a restart. */
      port?: number;
      /** A unix socket (with a password file) instead of a TCP port on 127.0.0.1. */
      management?: number | { socket: string; passwordFile: string };
      /** Started with `management-hold`: it waits for a management client before it listens. */
      hold?: boolean;
      /** Lines of its own instead of the guide's three; they name the management interface. */
      lines?: string;
    } = {},
  ): Promise<{ process: WatchedProcess; port: number; management: number | string }> {
    const port = options.port ?? (await freePort());
    const management = options.management ?? (await freePort());
    const managementArgs =
      typeof management === 'number'
        ? ['127.0.0.1', String(management)]
        : [management.socket, 'unix', management.passwordFile];
    const index = this.#servers++;
    let config = options.managed === false ? 'server-unmanaged.conf' : 'server.conf';
    if (options.lines !== undefined) {
      config = `server-${index}.conf`;
      writeFileSync(join(this.pki.dir, config), `${SERVER_CONFIG}${options.lines}`);
    }
    const args = [
      ...['--config', config, '--port', String(port)],
      ...(options.lines === undefined ? ['--management', ...managementArgs] : []),
      ...['--server', `10.${100 + (index % 100)}.0.0`, '255.255.0.0', ...(options.args ?? [])],
      ...(options.hold === true ? ['--management-hold'] : []),
    ];
    const server = this.#spawn(`server ${index}`, 'openvpn', ['--cd', this.pki.dir, ...args]);
    await server.waitFor(options.hold === true ? /Need hold release/ : SERVER_LISTENING);
    return {
      process: server,
      port,
      management: typeof management === 'number' ? management : management.socket,
    };
  }

  /** A client with its own certificate (common name `name`) on `dev null`, over TCP. */
  async client(name: string, port: number): Promise<WatchedProcess> {
    await this.pki.client(name);
    const args = [
      '--config',
      'client.conf',
      '--remote',
      '127.0.0.1',
      String(port),
      '--cert',
      `${name}.crt`,
      '--key',
      `${name}.key`,
    ];
    return this.#spawn(`client ${name}`, 'openvpn', ['--cd', this.pki.dir, ...args]);
  }

  /** `seatkeeper agent run` on a state directory, attached to a server's management interface. */
  startAgent(stateDir: string, management: number | string, args: string[] = []): WatchedProcess {
    const address = typeof management === 'number' ? `127.0.0.1:${management}` : management;
    const command = [CLI, 'agent', 'run', '--state', stateDir, '--openvpn-management', address, ...args];
    return this.#spawn(`agent on ${address}`, process.execPath, command, this.agentEnv);
  }

  /** `startAgent`, once it says it decides connections. */
  async agent(stateDir: string, management: number | string, args: string[] = []): Promise<WatchedProcess> {
    const agent = this.startAgent(stateDir, management, args);
    await agent.waitFor(/"event":"ready"/);
    return agent;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#processes].map((started) => started.kill('SIGKILL')));
    this.#processes.clear();
  }
}
