import type { OfflineRequest } from '../contract/activation.js';
import type { Clock } from '../domain/clock.js';
import type { Result } from '../domain/errors.js';
import { fingerprintOf, type MachineProperties } from '../domain/fingerprint.js';
import { ACCESS_SERVER_POLICY, type Capacity, type SeatPolicy } from '../domain/seats.js';
import { ActivationClient, type RefreshOutcome } from './activation-client.js';
import type { AdmitOutcome, Tunnel, TunnelInfo } from './admission.js';
import { CapacityFront, type Usage } from './capacity-front.js';
import { type VendorKey, VendorTrust } from './installation.js';
import { LicenseBook, type LicenseReport } from './license-book.js';
import { type HeartbeatOutcome, PoolSync } from './pool-sync.js';
import type { Upkeep, UpkeepContext } from './runnable.js';
import { serverUpkeep } from './server-upkeep.js';
import { ServiceLink } from './service-link.js';
import { AgentState } from './state.js';

export type { RefreshOutcome } from './activation-client.js';
export type { Usage } from './capacity-front.js';
export type { LicenseReport } from './license-book.js';
export type { HeartbeatOutcome, SubscriptionReport } from './pool-sync.js';

export interface AgentDeps {
  stateDir: string;
  clock: Clock;
  machine: MachineProperties;
  /**
   * The file `machine` was simulated from (tests and labs playing several machines on one host):
   * its usage says so, and `agent run` refuses it, so that it never decides real connections.
   */
  simulatedMachine?: string;
  /**
   * The vendor keys to trust: the agent's installation (see installation.ts), never its state
   * directory. Without them nothing verifies and nothing that needs them is done.
   */
  vendorKeys?: VendorKey[];
  fetch?: typeof fetch;
  policy?: SeatPolicy;
}

/** What `agent offline-request` writes for the service: an activation request carried by hand. */
export type { OfflineRequest };

/**
 * The VPN-server side: holds the activated licenses, works out the capacity from verified
 * certificates only, and admits tunnels against it in memory. The service is needed to activate
 * and refresh, never to admit. Built by hand from its parts: the license book, the activation
 * client, the pool's synchronisation and the capacity front.
 */
export class Agent {
  readonly #link: ServiceLink;
  readonly #book: LicenseBook;
  readonly #activation: ActivationClient;
  readonly #pool: PoolSync;
  readonly #front: CapacityFront;
  readonly #simulatedMachine: string | undefined;
  readonly #clock: Clock;

  constructor(deps: AgentDeps) {
    const { clock, machine } = deps;
    const state = new AgentState(deps.stateDir);
    const trust = new VendorTrust(deps.vendorKeys);
    const link = new ServiceLink(state, clock, deps.fetch);
    const serverId = () => link.serverId;
    const book = new LicenseBook({ state, trust, serverId, fingerprint: fingerprintOf(machine) });
    const front = new CapacityFront({
      clock,
      policy: deps.policy ?? ACCESS_SERVER_POLICY,
      book,
      pool: () => pool,
      serverId,
      simulatedMachine: deps.simulatedMachine,
    });
    const pool: PoolSync = new PoolSync({
      state,
      link,
      trust,
      machine,
      clock,
      admission: front.admission,
      seats: () => front.capacity().seats,
      changed: () => front.changed(),
    });
    this.#activation = new ActivationClient({
      state,
      link,
      book,
      trust,
      machine,
      clock,
      reload: () => this.reload(),
    });
    this.#link = link;
    this.#book = book;
    this.#pool = pool;
    this.#front = front;
    this.#simulatedMachine = deps.simulatedMachine;
    this.#clock = clock;
    this.reload();
  }

  get serverId(): string {
    return this.#link.serverId;
  }

  get serviceUrl(): string | undefined {
    return this.#link.serviceUrl;
  }

  /** The file its machine properties were simulated from, if they are not this machine's own. */
  get simulatedMachine(): string | undefined {
    return this.#simulatedMachine;
  }

  /** Reads the state directory again: identity, certificates and a subscription joined meanwhile. */
  reload(): void {
    this.#link.reload();
    this.#book.reload();
    this.#pool.reload();
    this.#front.changed();
  }

  capacity(): Capacity {
    return this.#front.capacity();
  }

  /** Milliseconds until the capacity can change with no event (a lease or certificate running out). */
  untilCapacityChanges(): number {
    return Math.max(0, this.#front.capacity().changesAt - this.#clock.now().getTime());
  }

  admit(tunnel: TunnelInfo): AdmitOutcome {
    const outcome = this.#front.admission.admit(tunnel);
    this.#pool.afterAdmit();
    return outcome;
  }

  release(tunnelId: string): boolean {
    return this.#front.admission.release(tunnelId);
  }

  /** Counts a tunnel found already up, whatever the capacity (see `Admission.adopt`). */
  adopt(tunnel: TunnelInfo, connectedAt: Date): Tunnel {
    return this.#front.admission.adopt(tunnel, connectedAt);
  }

  /** A new session of the same identity takes the old session's seat (see `Admission.replace`). */
  replace(oldTunnelId: string, tunnel: TunnelInfo): AdmitOutcome {
    return this.#front.admission.replace(oldTunnelId, tunnel);
  }

  /** Lease mode, after a refusal: asks the pool for more seats at once (see `PoolSync.topUp`). */
  topUp(): Promise<boolean> {
    return this.#pool.topUp();
  }

  /** Activates a subscription on this server: it joins the pool and sends its first heartbeat. */
  joinSubscription(typedKey: string, serviceUrl?: string): Promise<Result<HeartbeatOutcome>> {
    return this.#pool.join(typedKey, serviceUrl);
  }

  /** Reports this server's tunnels to its pool (see `PoolSync.heartbeat`). */
  heartbeat(): Promise<Result<HeartbeatOutcome>> {
    return this.#pool.heartbeat();
  }

  /** Sends a heartbeat every interval of the subscription until the returned function is called. */
  startHeartbeats(onOutcome?: (outcome: Result<HeartbeatOutcome>) => void): () => void {
    return this.#pool.startHeartbeats(onOutcome);
  }

  /** Activates a key (or confirms an existing binding) and stores the certificate the service signed. */
  activate(
    typedKey: string,
    serviceUrl?: string,
    options: { failover?: boolean } = {},
  ): Promise<Result<LicenseReport>> {
    return this.#activation.activate(typedKey, serviceUrl, options);
  }

  /** Offline activation, first step: the request to carry to the service. */
  offlineRequest(typedKey: string, options: { failover?: boolean } = {}): Result<OfflineRequest> {
    return this.#activation.offlineRequest(typedKey, options);
  }

  /** Offline activation, last step: installs the certificate answering a request of this server. */
  offlineImport(file: unknown): Result<LicenseReport> {
    return this.#activation.offlineImport(file);
  }

  /**
   * Asks the service after every license, and renews the certificates it changed, those past half
   * their life (or all with `force`); see `ActivationClient.refresh`.
   */
  refresh(options: { force?: boolean } = {}): Promise<RefreshOutcome[]> {
    return this.#activation.refresh(options);
  }

  /** A heartbeat now, joining the pool again if it no longer holds this server (see `PoolSync.renew`). */
  renewSubscription(): Promise<Result<HeartbeatOutcome> | undefined> {
    return this.#pool.renew();
  }

  licenses(): LicenseReport[] {
    return this.#book.licenses(this.#clock.now());
  }

  /** Stored files the agent could not read; shown beside the usage so they are not missed. */
  get unreadable(): { file: string; reason: string }[] {
    return this.#book.unreadable;
  }

  usage(): Usage {
    return this.#front.usage();
  }

  /** `agent run`: heartbeats to its pool and fresh certificates while it decides (see `serverUpkeep`). */
  startUpkeep(context: UpkeepContext): Upkeep {
    return serverUpkeep(this, context);
  }
}
