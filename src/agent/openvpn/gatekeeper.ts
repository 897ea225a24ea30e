import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { LIMIT_EXCEEDED_MESSAGE } from '../../domain/errors.js';
import type { AdmitOutcome, TunnelInfo } from '../admission.js';
import {
  type CommandReply,
  describeAddress,
  type ManagementAddress,
  ManagementConnection,
} from './management-connection.js';
import { type ClientEvent, commands, type ManagementMessage, parseStatus } from './protocol.js';

/** What the gatekeeper needs of the agent: its admission and, in lease mode, a way to ask for more. */
export interface Admitter {
  admit(tunnel: TunnelInfo): AdmitOutcome;
  replace(oldTunnelId: string, tunnel: TunnelInfo): AdmitOutcome;
  adopt(tunnel: TunnelInfo, connectedAt: Date): unknown;
  release(tunnelId: string): boolean;
  topUp(): Promise<boolean>;
  usage(): { connected: number; licensed: number };
}

export interface GatekeeperOptions {
  address: ManagementAddress;
  password?: string | undefined;
  /** The server runs with `duplicate-cn`: sessions of one common name each hold a seat. */
  duplicateCn?: boolean;
  logger: Logger;
  /** How often the agent checks its count against the server's own list. */
  resyncIntervalMs?: number;
  /** The first and the longest wait before attaching again after the server went away. */
  backoffMs?: { first: number; max: number };
  /** Called after every change of the tunnels held, and after every (re)attachment. */
  onChange?: (change: 'decision' | 'attached') => void;
}

/** The seat of an OpenVPN client is held under this tunnel id while it is up. */
const tunnelIdOf = (cid: string) => `cid-${cid}`;

/**
 * Decides every connection to one OpenVPN server through its management interface: admits or
 * denies at CONNECT, keeps admitted tunnels through renegotiation, frees seats at DISCONNECT or
 * when the pool orders a tunnel off, and rebuilds its count from `status 3` at every attachment.
 */
export class Gatekeeper {
  readonly #agent: Admitter;
  readonly #options: GatekeeperOptions;
  readonly #log: Logger;
  #connection: ManagementConnection | undefined;
  /** Admitted clients: cid to the common name, for the one-session-per-identity rule. */
  readonly #admitted = new Map<string, string>();
  /** The admitted cid of each common name (without duplicate-cn). */
  readonly #sessionOf = new Map<string, string>();
  /** Clients whose decision waits on the pool; a DISCONNECT meanwhile cancels it. */
  readonly #deciding = new Set<string>();
  /** Denied clients, until their DISCONNECT: a resync must not make them retry. */
  readonly #denied = new Set<string>();
  /** Clients decided while a `status` was on its way: its list may predate them. */
  #decidedDuringStatus: Set<string> | undefined;
  #stopped = false;
  /** The OpenVPN process last attached to. */
  #serverPid: string | undefined;
  #wake: (() => void) | undefined;
  /** Decision times in milliseconds, from the event's last line to the answer written. */
  readonly decisionTimes: number[] = [];

  constructor(agent: Admitter, options: GatekeeperOptions) {
    this.#agent = agent;
    this.#options = options;
    this.#log = options.logger;
  }

  get attached(): boolean {
    return this.#connection !== undefined && !this.#connection.closed;
  }

  /** Attaches, and attaches again with backoff whenever the server goes away, until `stop`. */
  async run(): Promise<void> {
    const { first, max } = this.#options.backoffMs ?? { first: 250, max: 5_000 };
    let wait = first;
    while (!this.#stopped) {
      try {
        await this.#attachOnce();
        wait = first;
      } catch (error) {
        this.#log.warn(
          {
            event: 'management_unavailable',
            address: describeAddress(this.#options.address),
            retryInMs: wait,
          },
          (error as Error).message,
        );
      }
      if (this.#stopped) break;
      await new Promise<void>((resume) => {
        this.#wake = resume;
        setTimeout(resume, wait);
      });
      wait = Math.min(wait * 2, max);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#connection?.close();
    this.#wake?.();
  }

  async #attachOnce(): Promise<void> {
    const connection = await ManagementConnection.open(this.#options.address, this.#options.password);
    const closed = new Promise<void>((done) => {
      connection.onClose = done;
    });
    this.#connection = connection;
    connection.onMessage = (message) => this.#receive(message);
    this.#log.info(
      { event: 'attached', address: describeAddress(this.#options.address) },
      'attached to the OpenVPN management interface',
    );
    const resync = setInterval(() => void this.#resync(), this.#options.resyncIntervalMs ?? 60_000);
    try {
      await this.#checkServerProcess(connection);
      await this.#resync();
      const { connected, licensed } = this.#agent.usage();
      this.#log.info({ event: 'ready', connected, licensed }, 'deciding connections');
      this.#options.onChange?.('attached');
      await closed;
    } finally {
      clearInterval(resync);
      this.#connection = undefined;
    }
    if (!this.#stopped)
      this.#log.warn({ event: 'detached' }, 'the OpenVPN management interface closed; attaching again');
  }

  /**
   * A restarted server numbers its clients from 0 again: the tunnels held for the old process are
   * gone, and their ids must not be taken for the new process's clients.
   */
  async #checkServerProcess(connection: ManagementConnection): Promise<void> {
    const reply = await connection.send(commands.pid);
    const pid = /pid=(\d+)/.exec(reply.lines[0] ?? '')?.[1];
    if (pid === undefined) return;
    if (this.#serverPid !== undefined && pid !== this.#serverPid) {
      const freed = this.#admitted.size;
      for (const cid of [...this.#admitted.keys()]) this.#agent.release(tunnelIdOf(cid));
      this.#admitted.clear();
      this.#sessionOf.clear();
      this.#deciding.clear();
      this.#denied.clear();
      this.#log.info(
        { event: 'server_restarted', pid, freed },
        'the OpenVPN server restarted: its old tunnels are gone',
      );
    }
    this.#serverPid = pid;
  }

  #send(command: string): void {
    const connection = this.#connection;
    if (connection === undefined) return;
    void connection.send(command).then((reply: CommandReply) => {
      if (!reply.ok)
        this.#log.warn(
          { event: 'command_failed', command, reply: reply.lines.join(' ') },
          'OpenVPN refused a command',
        );
    });
  }

  #receive(message: ManagementMessage): void {
    if (message.type === 'notice') {
      // A server started with `management-hold` waits for a management client: let it go on.
      if (message.source === 'HOLD') this.#send(commands.releaseHold);
      return;
    }
    if (message.type !== 'client') return;
    const { event } = message;
    switch (event.kind) {
      case 'CONNECT':
        void this.#decide(event, performance.now());
        return;
      case 'REAUTH':
        // A renegotiation of an admitted tunnel keeps its seat; anything else is decided afresh.
        if (this.#admitted.has(event.cid) && event.kid !== undefined)
          this.#send(commands.authorize(event.cid, event.kid));
        else void this.#decide(event, performance.now());
        return;
      case 'DISCONNECT':
        this.#ended(event.cid);
        return;
      case 'ESTABLISHED':
        return;
    }
  }

  #tunnelInfo(event: ClientEvent): TunnelInfo {
    const { common_name: commonName, username, untrusted_ip: ip, untrusted_port: port } = event.env;
    const address = ip === undefined ? undefined : port === undefined ? ip : `${ip}:${port}`;
    const user = username !== undefined && username !== '' ? username : commonName;
    return {
      id: tunnelIdOf(event.cid),
      ...(user === undefined || user === '' ? {} : { user }),
      ...(address === undefined ? {} : { address }),
    };
  }

  async #decide(event: ClientEvent, receivedAt: number): Promise<void> {
    const { cid, kid } = event;
    if (kid === undefined) return;
    const commonName = event.env.common_name ?? '';
    const tunnel = this.#tunnelInfo(event);
    this.#decidedDuringStatus?.add(cid);
    let outcome = this.#admitOrReplace(cid, commonName, tunnel);
    if (!outcome.admitted) {
      this.#deciding.add(cid);
      const more = await this.#agent.topUp();
      const stillWaiting = this.#deciding.delete(cid);
      if (!stillWaiting) return;
      if (more) outcome = this.#admitOrReplace(cid, commonName, tunnel);
    }
    const { connected, licensed } = this.#agent.usage();
    const fields = { cid, user: tunnel.user, address: tunnel.address, connected, licensed };
    if (outcome.admitted) {
      this.#admitted.set(cid, commonName);
      if (!this.#options.duplicateCn && commonName !== '') this.#sessionOf.set(commonName, cid);
      this.#send(commands.authorize(cid, kid));
      this.#recordDecision(receivedAt);
      this.#log.info({ event: 'admit', ...fields }, 'connection admitted');
    } else {
      this.#denied.add(cid);
      this.#send(
        commands.deny(
          cid,
          kid,
          `seatkeeper: ${connected} of ${licensed} connections in use`,
          LIMIT_EXCEEDED_MESSAGE,
        ),
      );
      this.#recordDecision(receivedAt);
      this.#log.info({ event: 'deny', ...fields }, LIMIT_EXCEEDED_MESSAGE);
    }
    this.#options.onChange?.('decision');
  }

  #recordDecision(receivedAt: number): void {
    if (this.decisionTimes.length < 100_000) this.decisionTimes.push(performance.now() - receivedAt);
  }

  /** Without duplicate-cn, OpenVPN drops the old session of a common name that connects again. */
  #admitOrReplace(cid: string, commonName: string, tunnel: TunnelInfo): AdmitOutcome {
    const previous = this.#options.duplicateCn ? undefined : this.#sessionOf.get(commonName);
    if (previous === undefined || previous === cid || !this.#admitted.has(previous))
      return this.#agent.admit(tunnel);
    this.#admitted.delete(previous);
    this.#log.info(
      { event: 'replace', cid, replaces: previous, user: tunnel.user },
      'the same identity connected again: its new session takes the seat',
    );
    return this.#agent.replace(tunnelIdOf(previous), tunnel);
  }

  #ended(cid: string): void {
    this.#deciding.delete(cid);
    this.#denied.delete(cid);
    const commonName = this.#admitted.get(cid);
    if (commonName === undefined) return;
    this.#forget(cid, commonName);
    this.#agent.release(tunnelIdOf(cid));
    const { connected, licensed } = this.#agent.usage();
    this.#log.info({ event: 'release', cid, user: commonName, connected, licensed }, 'connection ended');
    this.#options.onChange?.('decision');
  }

  #forget(cid: string, commonName: string): void {
    this.#admitted.delete(cid);
    if (this.#sessionOf.get(commonName) === cid) this.#sessionOf.delete(commonName);
  }

  /**
   * Disconnects tunnels the pool ordered off; their seats are already free. The client halts and
   * shows the reason; its DISCONNECT comes seconds later and finds nothing left to free.
   */
  disconnect(tunnelIds: readonly string[]): void {
    for (const tunnelId of tunnelIds) {
      const cid = tunnelId.startsWith('cid-') ? tunnelId.slice(4) : undefined;
      const commonName = cid === undefined ? undefined : this.#admitted.get(cid);
      if (cid === undefined || commonName === undefined) continue;
      this.#forget(cid, commonName);
      this.#send(commands.kill(cid, LIMIT_EXCEEDED_MESSAGE));
      this.#log.info(
        { event: 'halt', cid, user: commonName },
        'the pool is over its connections: tunnel disconnected',
      );
    }
    if (tunnelIds.length > 0) this.#options.onChange?.('decision');
  }

  /**
   * Brings the count in line with the server's own list: tunnels that ended unseen are freed,
   * tunnels already up are counted, and connections that waited while no management client was
   * attached (OpenVPN does not replay them) are restarted so that they ask again.
   */
  async #resync(): Promise<void> {
    const connection = this.#connection;
    if (connection === undefined) return;
    const decided = new Set<string>();
    this.#decidedDuringStatus = decided;
    const reply = await connection.send(commands.status);
    if (this.#decidedDuringStatus === decided) this.#decidedDuringStatus = undefined;
    if (!reply.ok) return;
    const listed = parseStatus(reply.lines);
    const listedIds = new Set(listed.map((client) => client.cid));
    let freed = 0;
    let adopted = 0;
    let restarted = 0;
    for (const [cid, commonName] of [...this.#admitted]) {
      if (listedIds.has(cid) || decided.has(cid)) continue;
      this.#forget(cid, commonName);
      this.#agent.release(tunnelIdOf(cid));
      freed++;
    }
    for (const client of listed) {
      const { cid } = client;
      if (this.#admitted.has(cid) || decided.has(cid) || this.#deciding.has(cid) || this.#denied.has(cid))
        continue;
      if (client.virtualAddress === '') {
        this.#send(commands.kill(cid));
        restarted++;
        continue;
      }
      const user = client.username ?? client.commonName;
      this.#agent.adopt({ id: tunnelIdOf(cid), user, address: client.realAddress }, client.connectedAt);
      this.#admitted.set(cid, client.commonName);
      if (!this.#options.duplicateCn) this.#sessionOf.set(client.commonName, cid);
      adopted++;
    }
    const { connected, licensed } = this.#agent.usage();
    if (freed + adopted + restarted > 0) {
      this.#log.info(
        { event: 'resync', adopted, freed, restarted, connected, licensed },
        'count rebuilt from the server’s client list',
      );
      this.#options.onChange?.('decision');
    }
  }
}
