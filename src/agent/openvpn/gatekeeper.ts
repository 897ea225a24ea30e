import type { Logger } from 'pino';
import { type Admitter, Decisions, isPending } from './decisions.js';
import {
  type CommandReply,
  describeAddress,
  type ManagementAddress,
  ManagementConnection,
} from './management-connection.js';
import { type ClientEvent, commands, type ManagementMessage, parseStatus } from './protocol.js';

export type { Admitter } from './decisions.js';

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

/**
 * Decides every connection to one OpenVPN server through its management interface: attaches (and
 * again whenever the server goes away), hands every client event to its decisions, and rebuilds
 * the count from `status 3` at every attachment and every resync interval.
 */
export class Gatekeeper {
  readonly #agent: Admitter;
  readonly #options: GatekeeperOptions;
  readonly #log: Logger;
  #connection: ManagementConnection | undefined;
  readonly #decisions: Decisions;
  /** Client events that came while the attachment's first count was being made. */
  #held: ClientEvent[] | undefined;
  /** A held server's notice came with the greeting, before the connection was ours to answer on. */
  #holdNoticed = false;
  #stopped = false;
  #wake: (() => void) | undefined;
  /** The OpenVPN process last attached to. */
  #serverPid: string | undefined;

  constructor(agent: Admitter, options: GatekeeperOptions) {
    this.#agent = agent;
    this.#options = options;
    this.#log = options.logger;
    this.#decisions = new Decisions({
      agent,
      duplicateCn: options.duplicateCn ?? false,
      log: options.logger,
      send: (command) => this.#send(command),
      changed: () => this.#options.onChange?.('decision'),
    });
  }

  /** Decision times in milliseconds, from the event's last line to the answer written. */
  get decisionTimes(): number[] {
    return this.#decisions.times;
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
      for (const event of this.#held.splice(0)) this.#decisions.dispatch(event);
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
      const freed = this.#decisions.forgetAll();
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
      if (message.source === 'HOLD') {
        if (this.#connection === undefined) this.#holdNoticed = true;
        else this.#send(commands.releaseHold);
      }
      return;
    }
    if (message.type !== 'client') return;
    if (this.#held !== undefined) this.#held.push(message.event);
    else this.#decisions.dispatch(message.event);
  }

  /** Disconnects tunnels the pool ordered off (see `Decisions.disconnect`). */
  disconnect(tunnelIds: readonly string[]): void {
    this.#decisions.disconnect(tunnelIds);
  }

  /**
   * Brings the count in line with the server's own list. Returns the clients still undecided and
   * not known to the agent.
   */
  async #resync(): Promise<Set<string>> {
    const connection = this.#connection;
    const sessions = this.#decisions.sessions;
    // One at a time: a second list would race the first one's view of recent changes.
    if (connection === undefined || sessions.recording) return new Set();
    // The server reads the answers sent while the list was on its way after it: the list is not
    // taken as the word on the clients changed meanwhile.
    const changed = sessions.recordChanges();
    const reply = await connection.send(commands.status).finally(() => sessions.stopRecording());
    if (!reply.ok) return new Set();
    return this.#decisions.recount(parseStatus(reply.lines), changed);
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
      if (!candidates.has(cid) || !isPending(client) || this.#decisions.sessions.get(cid) !== undefined)
        continue;
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
