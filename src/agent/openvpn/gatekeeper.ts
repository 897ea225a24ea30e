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
import {
  type ClientEvent,
  commands,
  type ManagementMessage,
  parseStatus,
  type StatusClient,
} from './protocol.js';
import { type Session, Sessions } from './sessions.js';

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
  /**
   * After attaching, how long a connection may stay undecided before it is taken for one that
   * asked while no agent listened (OpenVPN does not ask again) and is restarted.
   */
  stalledAfterMs?: number;
  /** The first and the longest wait before attaching again after the server went away. */
  backoffMs?: { first: number; max: number };
  /** Called after every change of the tunnels held, and after every (re)attachment. */
  onChange?: (change: 'decision' | 'attached') => void;
}

/** The seat of an OpenVPN client is held under this tunnel id while it is up. */
const tunnelIdOf = (cid: string) => `cid-${cid}`;

/** The name a tunnel is shown under: the username it logged in with, else its certificate's. */
const userOf = (username: string | undefined, commonName: string): string | undefined =>
  username !== undefined && username !== '' ? username : commonName === '' ? undefined : commonName;

/** Listed by `status 3` but not yet given an address: still in its handshake or waiting for a decision. */
const isPending = (client: StatusClient) => client.virtualAddress === '' && client.virtualIpv6Address === '';

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
  readonly #sessions = new Sessions();
  /** Client events that came while the attachment's first count was being made. */
  #held: ClientEvent[] | undefined;
  /** A held server's notice came with the greeting, before the connection was ours to answer on. */
  #holdNoticed = false;
  #stopped = false;
  #wake: (() => void) | undefined;
  /** The OpenVPN process last attached to. */
  #serverPid: string | undefined;
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
    // Events are held until the count is rebuilt: a REAUTH of a tunnel not yet counted, or a
    // CONNECT reusing the number of a client of a restarted server, must meet the right state.
    this.#held = [];
    const connection = await ManagementConnection.open(
      this.#options.address,
      this.#options.password,
      (message) => this.#receive(message),
    );
    if (this.#stopped) {
      connection.close();
      return;
    }
    const closed = new Promise<void>((done) => {
      connection.onClose = done;
    });
    this.#connection = connection;
    if (this.#holdNoticed) {
      this.#holdNoticed = false;
      this.#send(commands.releaseHold);
    }
    this.#log.info(
      { event: 'attached', address: describeAddress(this.#options.address) },
      'attached to the OpenVPN management interface',
    );
    let resync: NodeJS.Timeout | undefined;
    let stalled: NodeJS.Timeout | undefined;
    try {
      await this.#checkServerProcess(connection);
      const pending = await this.#resync();
      for (const event of this.#held.splice(0)) this.#dispatch(event);
      this.#held = undefined;
      this.#options.onChange?.('attached');
      const { connected, licensed } = this.#agent.usage();
      this.#log.info({ event: 'ready', connected, licensed }, 'deciding connections');
      if (pending.size > 0)
        stalled = setTimeout(() => void this.#restartStalled(pending), this.#options.stalledAfterMs ?? 3_000);
      resync = setInterval(() => void this.#resync(), this.#options.resyncIntervalMs ?? 60_000);
      await closed;
    } finally {
      clearInterval(resync);
      clearTimeout(stalled);
      this.#connection = undefined;
      this.#held = undefined;
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
      const admitted = this.#sessions.clear();
      for (const cid of admitted) this.#agent.release(tunnelIdOf(cid));
      this.#log.info(
        { event: 'server_restarted', pid, freed: admitted.length },
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
      if (message.source === 'HOLD') {
        if (this.#connection === undefined) this.#holdNoticed = true;
        else this.#send(commands.releaseHold);
      }
      return;
    }
    if (message.type !== 'client') return;
    if (this.#held !== undefined) this.#held.push(message.event);
    else this.#dispatch(message.event);
  }

  #dispatch(event: ClientEvent): void {
    switch (event.kind) {
      case 'CONNECT':
        void this.#decide(event, performance.now());
        return;
      case 'REAUTH': {
        const session = this.#sessions.get(event.cid);
        switch (session?.state) {
          // A renegotiation of an admitted tunnel keeps its seat.
          case 'admitted':
            if (event.kid !== undefined) this.#send(commands.authorize(event.cid, event.kid));
            return;
          // A session replaced by its identity's new one, or denied or ordered off, may renegotiate
          // before OpenVPN's drop reaches it: it must not take a seat back.
          case 'replaced':
          case 'ended':
            this.#refuseEnded(event, session);
            return;
          default:
            void this.#decide(event, performance.now());
            return;
        }
      }
      case 'DISCONNECT':
        this.#disconnected(event.cid);
        return;
      case 'ESTABLISHED':
        return;
    }
  }

  #refuseEnded(event: ClientEvent, session: Session): void {
    if (event.kid === undefined) return;
    const replaced = session.state === 'replaced';
    const reason = replaced ? 'replaced by a new session of the same identity' : 'ended';
    const told = replaced ? 'Replaced by a new connection of the same user' : LIMIT_EXCEEDED_MESSAGE;
    this.#send(commands.deny(event.cid, event.kid, `seatkeeper: session ${reason}`, told));
    this.#log.info({ event: 'reauth_refused', cid: event.cid, reason }, 'an ended session renegotiated');
  }

  #tunnelInfo(event: ClientEvent): TunnelInfo {
    const { common_name: commonName, username, untrusted_ip: ip, untrusted_port: port } = event.env;
    const address = ip === undefined ? undefined : port === undefined ? ip : `${ip}:${port}`;
    const user = userOf(username, commonName ?? '');
    return {
      id: tunnelIdOf(event.cid),
      ...(user === undefined ? {} : { user }),
      ...(address === undefined ? {} : { address }),
    };
  }

  async #decide(event: ClientEvent, receivedAt: number): Promise<void> {
    const { cid, kid } = event;
    if (kid === undefined) return;
    const commonName = event.env.common_name ?? '';
    const tunnel = this.#tunnelInfo(event);
    let outcome = this.#admitOrReplace(cid, commonName, tunnel);
    if (!outcome.admitted) {
      // Lease mode: a full lease may still grow from the pool; the client waits meanwhile.
      const waiting: Session = { state: 'deciding' };
      this.#sessions.set(cid, waiting);
      const more = await this.#agent.topUp().catch((error: unknown) => {
        this.#log.warn({ event: 'top_up_failed' }, (error as Error).message);
        return false;
      });
      // A DISCONNECT, a restarted server or a newer event of this client took the decision over.
      if (this.#sessions.get(cid) !== waiting) return;
      if (more) outcome = this.#admitOrReplace(cid, commonName, tunnel);
    }
    const { connected, licensed } = this.#agent.usage();
    const fields = { cid, user: tunnel.user, address: tunnel.address, connected, licensed };
    if (outcome.admitted) {
      this.#sessions.set(cid, { state: 'admitted', commonName });
      this.#send(commands.authorize(cid, kid));
      this.#recordDecision(receivedAt);
      this.#log.info({ event: 'admit', ...fields }, 'connection admitted');
    } else {
      this.#sessions.set(cid, { state: 'ended' });
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
    const previous = this.#options.duplicateCn ? undefined : this.#sessions.admittedOf(commonName);
    if (previous === undefined || previous === cid) return this.#agent.admit(tunnel);
    this.#sessions.set(previous, { state: 'replaced', commonName });
    this.#log.info(
      { event: 'replace', cid, replaces: previous, user: tunnel.user },
      'the same identity connected again: its new session takes the seat',
    );
    return this.#agent.replace(tunnelIdOf(previous), tunnel);
  }

  /** Forgets a client and frees its seat if it held one. */
  #free(cid: string): Session | undefined {
    const session = this.#sessions.delete(cid);
    if (session?.state === 'admitted') this.#agent.release(tunnelIdOf(cid));
    return session;
  }

  #disconnected(cid: string): void {
    const session = this.#free(cid);
    if (session?.state !== 'admitted') return;
    const { connected, licensed } = this.#agent.usage();
    this.#log.info(
      { event: 'release', cid, user: session.commonName, connected, licensed },
      'connection ended',
    );
    this.#options.onChange?.('decision');
  }

  /**
   * Disconnects tunnels the pool ordered off; their seats are already free. The client halts and
   * shows the reason; its DISCONNECT comes seconds later and finds nothing left to free.
   */
  disconnect(tunnelIds: readonly string[]): void {
    for (const tunnelId of tunnelIds) {
      const cid = tunnelId.startsWith('cid-') ? tunnelId.slice(4) : undefined;
      const session = cid === undefined ? undefined : this.#sessions.get(cid);
      if (cid === undefined || session?.state !== 'admitted') continue;
      this.#sessions.set(cid, { state: 'ended' });
      this.#send(commands.kill(cid, LIMIT_EXCEEDED_MESSAGE));
      this.#log.info(
        { event: 'halt', cid, user: session.commonName },
        'the pool is over its connections: tunnel disconnected',
      );
    }
    if (tunnelIds.length > 0) this.#options.onChange?.('decision');
  }

  /**
   * Brings the count in line with the server's own list: tunnels that ended unseen are freed and
   * tunnels already up are counted. Returns the clients still undecided and not known to the agent.
   */
  async #resync(): Promise<Set<string>> {
    const connection = this.#connection;
    const pending = new Set<string>();
    // One at a time: a second list would race the first one's view of recent changes.
    if (connection === undefined || this.#sessions.recording) return pending;
    // The server reads the answers sent while the list was on its way after it: the list is not
    // taken as the word on the clients changed meanwhile.
    const changed = this.#sessions.recordChanges();
    const reply = await connection.send(commands.status).finally(() => this.#sessions.stopRecording());
    if (!reply.ok) return pending;
    const listed = new Map(parseStatus(reply.lines).map((client) => [client.cid, client]));
    let freed = 0;
    let adopted = 0;
    for (const [cid, session] of this.#sessions.entries()) {
      if (listed.has(cid) || changed.has(cid) || session.state === 'deciding') continue;
      if (this.#free(cid)?.state === 'admitted') freed++;
    }
    for (const client of listed.values()) {
      const { cid } = client;
      const session = this.#sessions.get(cid);
      if (changed.has(cid) || (session !== undefined && session.state !== 'replaced')) continue;
      if (isPending(client)) {
        if (session === undefined) pending.add(cid);
        continue;
      }
      if (session?.state === 'replaced') {
        // OpenVPN drops the old sessions of a name in the step that gives the new one its address.
        // The name's seat held by a session still without one: the old one is on its way out. No
        // session holding it any more: the new ones left before taking over, and the old one stays.
        const holder = this.#sessions.admittedOf(session.commonName);
        const newer = holder === undefined ? undefined : listed.get(holder);
        if (newer !== undefined && isPending(newer)) continue;
        if (newer !== undefined)
          this.#log.warn(
            { event: 'duplicate_cn', cid, user: client.commonName },
            'the server keeps several sessions of one common name: it runs with duplicate-cn, so start the agent with --duplicate-cn',
          );
      }
      this.#agent.adopt(
        {
          id: tunnelIdOf(cid),
          user: userOf(client.username, client.commonName),
          address: client.realAddress,
        },
        client.connectedAt,
      );
      this.#sessions.set(cid, { state: 'admitted', commonName: client.commonName });
      adopted++;
    }
    if (freed + adopted > 0) {
      const { connected, licensed } = this.#agent.usage();
      this.#log.info(
        { event: 'resync', adopted, freed, connected, licensed },
        'count rebuilt from the server’s client list',
      );
      this.#options.onChange?.('decision');
    }
    return pending;
  }

  /**
   * Connections that were waiting when the agent attached and that no event has brought since:
   * they asked while no agent listened, and OpenVPN will not ask again. Restarted, they ask anew.
   */
  async #restartStalled(candidates: Set<string>): Promise<void> {
    const connection = this.#connection;
    if (connection === undefined) return;
    const reply = await connection.send(commands.status);
    if (!reply.ok) return;
    let restarted = 0;
    for (const client of parseStatus(reply.lines)) {
      const { cid } = client;
      // A client with any state asked meanwhile and was heard.
      if (!candidates.has(cid) || !isPending(client) || this.#sessions.get(cid) !== undefined) continue;
      this.#send(commands.kill(cid));
      restarted++;
    }
    if (restarted > 0)
      this.#log.info(
        { event: 'restart_stalled', restarted },
        'connections made while no agent listened were restarted to ask again',
      );
  }
}
