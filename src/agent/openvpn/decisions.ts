import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { LIMIT_EXCEEDED_MESSAGE } from '../../domain/errors.js';
import type { AdmitOutcome, TunnelInfo } from '../admission.js';
import { type ClientEvent, commands, type StatusClient } from './protocol.js';
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

export interface DecisionsDeps {
  agent: Admitter;
  /** The server runs with `duplicate-cn`: sessions of one common name each hold a seat. */
  duplicateCn: boolean;
  log: Logger;
  /** Writes a command to the management interface, if attached. */
  send: (command: string) => void;
  /** The tunnels held changed. */
  changed: () => void;
}

/** The seat of an OpenVPN client is held under this tunnel id while it is up. */
export const tunnelIdOf = (cid: string) => `cid-${cid}`;

/** The name a tunnel is shown under: the username it logged in with, else its certificate's. */
const userOf = (username: string | undefined, commonName: string): string | undefined =>
  username !== undefined && username !== '' ? username : commonName === '' ? undefined : commonName;

/** Listed by `status 3` but not yet given an address: still in its handshake or waiting for a decision. */
export const isPending = (client: StatusClient) =>
  client.virtualAddress === '' && client.virtualIpv6Address === '';

/**
 * What each client event of one OpenVPN server decides, from one state per client id: admits or
 * denies at CONNECT, keeps admitted tunnels through renegotiation, frees seats at DISCONNECT or
 * when the pool orders a tunnel off, and counts the server's own list of clients.
 */
export class Decisions {
  readonly sessions = new Sessions();
  /** Decision times in milliseconds, from the event's last line to the answer written. */
  readonly times: number[] = [];
  readonly #deps: DecisionsDeps;

  constructor(deps: DecisionsDeps) {
    this.#deps = deps;
  }

  dispatch(event: ClientEvent): void {
    switch (event.kind) {
      case 'CONNECT':
        void this.#decide(event, performance.now());
        return;
      case 'REAUTH': {
        const session = this.sessions.get(event.cid);
        switch (session?.state) {
          // A renegotiation of an admitted tunnel keeps its seat.
          case 'admitted':
            if (event.kid !== undefined) this.#deps.send(commands.authorize(event.cid, event.kid));
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

  /** A restarted server numbers its clients anew: every tunnel of the old one is gone. */
  forgetAll(): number {
    const admitted = this.sessions.clear();
    for (const cid of admitted) this.#deps.agent.release(tunnelIdOf(cid));
    return admitted.length;
  }

  #refuseEnded(event: ClientEvent, session: Session): void {
    if (event.kid === undefined) return;
    const replaced = session.state === 'replaced';
    const reason = replaced ? 'replaced by a new session of the same identity' : 'ended';
    const told = replaced ? 'Replaced by a new connection of the same user' : LIMIT_EXCEEDED_MESSAGE;
    this.#deps.send(commands.deny(event.cid, event.kid, `seatkeeper: session ${reason}`, told));
    this.#deps.log.info({ event: 'reauth_refused', cid: event.cid, reason }, 'an ended session renegotiated');
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
    const { agent, log, send } = this.#deps;
    const { cid, kid } = event;
    if (kid === undefined) return;
    const commonName = event.env.common_name ?? '';
    const tunnel = this.#tunnelInfo(event);
    let outcome = this.#admitOrReplace(cid, commonName, tunnel);
    if (!outcome.admitted) {
      // Lease mode: a full lease may still grow from the pool; the client waits meanwhile.
      const waiting: Session = { state: 'deciding' };
      this.sessions.set(cid, waiting);
      const more = await agent.topUp().catch((error: unknown) => {
        log.warn({ event: 'top_up_failed' }, (error as Error).message);
        return false;
      });
      // A DISCONNECT, a restarted server or a newer event of this client took the decision over.
      if (this.sessions.get(cid) !== waiting) return;
      if (more) outcome = this.#admitOrReplace(cid, commonName, tunnel);
    }
    const { connected, licensed } = agent.usage();
    const fields = { cid, user: tunnel.user, address: tunnel.address, connected, licensed };
    if (outcome.admitted) {
      this.sessions.set(cid, { state: 'admitted', commonName });
      send(commands.authorize(cid, kid));
      this.#recordDecision(receivedAt);
      log.info({ event: 'admit', ...fields }, 'connection admitted');
    } else {
      this.sessions.set(cid, { state: 'ended' });
      const reason = `seatkeeper: ${connected} of ${licensed} connections in use`;
      send(commands.deny(cid, kid, reason, LIMIT_EXCEEDED_MESSAGE));
      this.#recordDecision(receivedAt);
      log.info({ event: 'deny', ...fields }, LIMIT_EXCEEDED_MESSAGE);
    }
    this.#deps.changed();
  }

  #recordDecision(receivedAt: number): void {
    if (this.times.length < 100_000) this.times.push(performance.now() - receivedAt);
  }

  /** Without duplicate-cn, OpenVPN drops the old session of a common name that connects again. */
  #admitOrReplace(cid: string, commonName: string, tunnel: TunnelInfo): AdmitOutcome {
    const previous = this.#deps.duplicateCn ? undefined : this.sessions.admittedOf(commonName);
    if (previous === undefined || previous === cid) return this.#deps.agent.admit(tunnel);
    this.sessions.set(previous, { state: 'replaced', commonName });
    this.#deps.log.info(
      { event: 'replace', cid, replaces: previous, user: tunnel.user },
      'the same identity connected again: its new session takes the seat',
    );
    return this.#deps.agent.replace(tunnelIdOf(previous), tunnel);
  }

  /** Forgets a client and frees its seat if it held one. */
  #free(cid: string): Session | undefined {
    const session = this.sessions.delete(cid);
    if (session?.state === 'admitted') this.#deps.agent.release(tunnelIdOf(cid));
    return session;
  }

  #disconnected(cid: string): void {
    const session = this.#free(cid);
    if (session?.state !== 'admitted') return;
    const { connected, licensed } = this.#deps.agent.usage();
    this.#deps.log.info(
      { event: 'release', cid, user: session.commonName, connected, licensed },
      'connection ended',
    );
    this.#deps.changed();
  }

  /**
   * Disconnects tunnels the pool ordered off; their seats are already free. The client halts and
   * shows the reason; its DISCONNECT comes seconds later and finds nothing left to free.
   */
  disconnect(tunnelIds: readonly string[]): void {
    for (const tunnelId of tunnelIds) {
      const cid = tunnelId.startsWith('cid-') ? tunnelId.slice(4) : undefined;
      const session = cid === undefined ? undefined : this.sessions.get(cid);
      if (cid === undefined || session?.state !== 'admitted') continue;
      this.sessions.set(cid, { state: 'ended' });
      this.#deps.send(commands.kill(cid, LIMIT_EXCEEDED_MESSAGE));
      this.#deps.log.info(
        { event: 'halt', cid, user: session.commonName },
        'the pool is over its connections: tunnel disconnected',
      );
    }
    if (tunnelIds.length > 0) this.#deps.changed();
  }

  /**
   * Brings the count in line with the server's own list: tunnels that ended unseen are freed and
   * tunnels already up are counted. Clients in `changed` were decided while the list was on its
   * way: the list is not their word. Returns the clients still undecided and not known here.
   */
  recount(clients: readonly StatusClient[], changed: ReadonlySet<string>): Set<string> {
    const { agent, log } = this.#deps;
    const pending = new Set<string>();
    const listed = new Map(clients.map((client) => [client.cid, client]));
    let freed = 0;
    let adopted = 0;
    for (const [cid, session] of this.sessions.entries()) {
      if (listed.has(cid) || changed.has(cid) || session.state === 'deciding') continue;
      if (this.#free(cid)?.state === 'admitted') freed++;
    }
    for (const client of listed.values()) {
      const { cid } = client;
      const session = this.sessions.get(cid);
      if (changed.has(cid) || (session !== undefined && session.state !== 'replaced')) continue;
      if (isPending(client)) {
        if (session === undefined) pending.add(cid);
        continue;
      }
      if (session?.state === 'replaced') {
        // OpenVPN drops the old sessions of a name in the step that gives the new one its address.
        // The name's seat held by a session still without one: the old one is on its way out. No
        // session holding it any more: the new ones left before taking over, and the old one stays.
        const holder = this.sessions.admittedOf(session.commonName);
        const newer = holder === undefined ? undefined : listed.get(holder);
        if (newer !== undefined && isPending(newer)) continue;
        if (newer !== undefined)
          log.warn(
            { event: 'duplicate_cn', cid, user: client.commonName },
            'the server keeps several sessions of one common name: it runs with duplicate-cn, so start the agent with --duplicate-cn',
          );
      }
      const user = userOf(client.username, client.commonName);
      agent.adopt({ id: tunnelIdOf(cid), user, address: client.realAddress }, client.connectedAt);
      this.sessions.set(cid, { state: 'admitted', commonName: client.commonName });
      adopted++;
    }
    if (freed + adopted > 0) {
      const { connected, licensed } = agent.usage();
      log.info(
        { event: 'resync', adopted, freed, connected, licensed },
        'count rebuilt from the server’s client list',
      );
      this.#deps.changed();
    }
    return pending;
  }
}
