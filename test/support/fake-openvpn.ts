import { createServer, type Server, type Socket } from 'node:net';
import type { ManagementAddress } from '../../src/agent/openvpn/management-connection.js';
import { takeLines } from '../../src/agent/openvpn/protocol.js';
import { Waiters } from './waiters.js';

/**
 * OpenVPN 2.6's side of the management interface, as the agent uses it, on 127.0.0.1: the
 * greeting (after the password, if one is set), `>CLIENT:` notifications the test sends one by one,
 * `status 3` lists made from the clients the test connected, and every command the agent sends,
 * recorded. Nothing happens on its own: the test orders events exactly as a race needs, without
 * root and without real servers.
 */

/** A client as the fake server holds it. */
interface FakeClient {
  cid: string;
  /** The last key id sent: 0 at CONNECT, one more at each REAUTH. */
  kid: number;
  commonName: string;
  username: string | undefined;
  port: number;
  /** Empty until `establish`, as OpenVPN lists a client still waiting for its decision. */
  virtualAddress: string;
  connectedAt: Date;
}

/** A client event sent to the agent: what its answer names. */
export interface SentEvent {
  cid: string;
  kid: string;
}

export interface FakeOpenvpnOptions {
  password?: string;
  /** The server keeps every session of one common name; else a session established drops the others. */
  duplicateCn?: boolean;
  /** Sends `>HOLD:` with the greeting, as a server started with `management-hold`. */
  hold?: boolean;
}

/** The process id the server answers `pid` with: the agent checks it for a restarted server. */
const PID = 4242;
const GREETING = ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info";
const STATUS_HEADER = [
  'HEADER',
  'CLIENT_LIST',
  'Common Name',
  'Real Address',
  'Virtual Address',
  'Virtual IPv6 Address',
  'Bytes Received',
  'Bytes Sent',
  'Connected Since',
  'Connected Since (time_t)',
  'Username',
  'Client ID',
  'Peer ID',
  'Data Channel Cipher',
].join('\t');

/** A reply slot, in command order; `text` is undefined while the test holds it. */
interface Reply {
  text: string | undefined;
}

export class FakeOpenvpn {
  readonly #server: Server;
  readonly #options: FakeOpenvpnOptions;
  readonly address: ManagementAddress;
  #socket: Socket | undefined;
  #buffer = '';
  #awaitingPassword = false;
  #replies: Reply[] = [];
  #statusHold: { taken: () => void; slot?: Reply } | undefined;
  readonly #clients = new Map<string, FakeClient>();
  #nextCid = 0;
  #addresses = 0;
  /** Every command the agent sent, in order, from every attachment. */
  readonly commands: string[] = [];
  readonly #waiters = new Waiters();

  private constructor(server: Server, options: FakeOpenvpnOptions, port: number) {
    this.#server = server;
    this.#options = options;
    this.address = { host: '127.0.0.1', port };
  }

  static start(options: FakeOpenvpnOptions = {}): Promise<FakeOpenvpn> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (typeof address !== 'object' || address === null) return reject(new Error('no port'));
        const fake = new FakeOpenvpn(server, options, address.port);
        server.on('connection', (socket) => fake.#attach(socket));
        resolve(fake);
      });
    });
  }

  /** Stops listening and closes the agent's connection. */
  close(): Promise<void> {
    this.#socket?.destroy();
    return new Promise((done) => this.#server.close(() => done()));
  }

  #attach(socket: Socket): void {
    // Like OpenVPN, one management client at a time: the newest one.
    this.#socket?.destroy();
    this.#socket = socket;
    this.#buffer = '';
    this.#replies = [];
    this.#statusHold = undefined;
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = undefined;
      this.#notify();
    });
    socket.on('data', (chunk: string) => {
      if (this.#socket !== socket) return;
      const { lines, rest } = takeLines(this.#buffer + chunk);
      this.#buffer = rest;
      for (const line of lines) this.#line(line);
    });
    if (this.#options.password === undefined) this.#greet();
    else {
      this.#awaitingPassword = true;
      socket.write('ENTER PASSWORD:');
    }
  }

  #greet(): void {
    this.#write(GREETING);
    if (this.#options.hold === true) this.#write('>HOLD:Waiting for hold release:0');
    this.#notify();
  }

  #write(...lines: string[]): void {
    if (this.#socket !== undefined && !this.#socket.destroyed)
      this.#socket.write(lines.map((line) => `${line}\r\n`).join(''));
  }

  #line(line: string): void {
    if (this.#awaitingPassword) {
      if (line === this.#options.password) {
        this.#awaitingPassword = false;
        this.#write('SUCCESS: password is correct');
        this.#greet();
      } else {
        this.#write('ERROR: bad password');
        this.#socket?.write('ENTER PASSWORD:');
      }
      return;
    }
    this.commands.push(line);
    const slot: Reply = { text: undefined };
    this.#replies.push(slot);
    const hold = this.#statusHold;
    if (line.startsWith('status') && hold !== undefined && hold.slot === undefined) {
      hold.slot = slot;
      hold.taken();
    } else slot.text = this.#answer(line);
    this.#flush();
    this.#notify();
  }

  /** Writes the replies that are ready, in command order: a held one holds those after it. */
  #flush(): void {
    while (this.#replies[0]?.text !== undefined) {
      const { text } = this.#replies.shift() as Reply;
      this.#socket?.write(text as string);
    }
  }

  #answer(command: string): string {
    const [name, cid] = command.split(' ');
    const known = cid !== undefined && this.#clients.has(cid);
    switch (name) {
      case 'pid':
        return `SUCCESS: pid=${PID}\r\n`;
      case 'status':
        return this.#status();
      case 'hold':
        return 'SUCCESS: hold release succeeded\r\n';
      case 'client-auth-nt':
        return known ? 'SUCCESS: client-auth command succeeded\r\n' : 'ERROR: client-auth command failed\r\n';
      case 'client-deny':
        return known ? 'SUCCESS: client-deny command succeeded\r\n' : 'ERROR: client-deny command failed\r\n';
      case 'client-kill':
        return known ? 'SUCCESS: client-kill command succeeded\r\n' : 'ERROR: client-kill command failed\r\n';
      default:
        return "ERROR: unknown command, enter 'help' for more options\r\n";
    }
  }

  /** The `status 3` reply for the clients held now. */
  #status(): string {
    const time = (date: Date) => String(Math.floor(date.getTime() / 1000));
    const now = new Date();
    const lines = [
      'TITLE\tOpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [fake]',
      `TIME\t${now.toISOString()}\t${time(now)}`,
      STATUS_HEADER,
      ...[...this.#clients.values()].map((client) =>
        [
          'CLIENT_LIST',
          client.commonName,
          `127.0.0.1:${client.port}`,
          client.virtualAddress,
          '',
          '0',
          '0',
          client.connectedAt.toISOString(),
          time(client.connectedAt),
          client.username ?? 'UNDEF',
          client.cid,
          '0',
          'AES-256-GCM',
        ].join('\t'),
      ),
      'GLOBAL_STATS\tMax bcast/mcast queue length\t0',
      'END',
    ];
    return lines.map((line) => `${line}\r\n`).join('');
  }

  /**
   * Takes the next `status` without answering it until `release`. Its list is made at `release`,
   * as OpenVPN makes it when it reaches the command: events sent before `release` are ones the
   * server wrote before it got there. Replies to later commands wait behind it, in order.
   */
  holdStatus(): { taken: Promise<void>; release: () => void } {
    let taken: () => void = () => {};
    const promise = new Promise<void>((done) => {
      taken = done;
    });
    const hold: { taken: () => void; slot?: Reply } = { taken };
    this.#statusHold = hold;
    return {
      taken: promise,
      release: () => {
        if (hold.slot === undefined) throw new Error('no status was taken yet');
        if (this.#statusHold === hold) this.#statusHold = undefined;
        hold.slot.text = this.#status();
        this.#flush();
      },
    };
  }

  #client(cid: string): FakeClient {
    const client = this.#clients.get(cid);
    if (client === undefined) throw new Error(`the fake server has no client ${cid}`);
    return client;
  }

  #event(header: string, env: Record<string, string | undefined>): void {
    const lines = Object.entries(env).flatMap(([key, value]) =>
      value === undefined ? [] : [`>CLIENT:ENV,${key}=${value}`],
    );
    this.#write(header, ...lines, '>CLIENT:ENV,END');
  }

  #env(client: FakeClient): Record<string, string | undefined> {
    return {
      untrusted_ip: '127.0.0.1',
      untrusted_port: String(client.port),
      common_name: client.commonName,
      username: client.username,
      IV_VER: '2.6.14',
    };
  }

  /**
   * A new client asks to connect: listed without an address until `establish`. Sent to the agent
   * if one is attached; with none, OpenVPN waits for an answer that never comes.
   */
  connect(commonName: string, options: { username?: string; connectedAt?: Date } = {}): SentEvent {
    const cid = this.#nextCid++;
    const client: FakeClient = {
      cid: String(cid),
      kid: 0,
      commonName,
      username: options.username,
      port: 40_000 + cid,
      virtualAddress: '',
      connectedAt: options.connectedAt ?? new Date(),
    };
    this.#clients.set(client.cid, client);
    this.#event(`>CLIENT:CONNECT,${client.cid},${client.kid}`, this.#env(client));
    return { cid: client.cid, kid: String(client.kid) };
  }

  /** The client's tunnel renegotiates (`reneg-sec`): it asks again, with its next key id. */
  reauth(cid: string): SentEvent {
    const client = this.#client(cid);
    client.kid++;
    this.#event(`>CLIENT:REAUTH,${cid},${client.kid}`, this.#env(client));
    return { cid, kid: String(client.kid) };
  }

  /**
   * The client's connection completes: without duplicate-cn OpenVPN first drops the other
   * sessions of its common name (a DISCONNECT each), then gives it its address, in one step.
   */
  establish(cid: string): void {
    const client = this.#client(cid);
    if (this.#options.duplicateCn !== true)
      for (const other of [...this.#clients.values()])
        if (other.cid !== cid && other.commonName === client.commonName) this.disconnect(other.cid);
    client.virtualAddress = `10.8.0.${2 + this.#addresses++}`;
    this.#event(`>CLIENT:ESTABLISHED,${cid}`, this.#env(client));
  }

  /** The client is gone (it left, was denied or killed). */
  disconnect(cid: string): void {
    const client = this.#client(cid);
    this.#clients.delete(cid);
    this.#event(`>CLIENT:DISCONNECT,${cid}`, { common_name: client.commonName });
  }

  /**
   * The first command from index `from` on that matches; waits for it if it has not come yet.
   * Fails after `timeoutMs` with the commands seen, so that a wrong answer is named.
   */
  command(pattern: RegExp, from = 0, timeoutMs = 30_000): Promise<string> {
    return this.#waiters.until(
      () => this.commands.slice(from).find((command) => pattern.test(command)),
      timeoutMs,
      () => `no command matching ${pattern} in ${timeoutMs} ms; got:\n${this.commands.join('\n')}`,
    );
  }

  /** The agent's answer to a CONNECT or REAUTH: `client-auth-nt` or `client-deny` for its key. */
  answer(event: SentEvent): Promise<string> {
    return this.command(new RegExp(`^client-(?:auth-nt|deny) ${event.cid} ${event.kid}(?: |$)`));
  }

  #notify(): void {
    this.#waiters.notify();
  }
}
