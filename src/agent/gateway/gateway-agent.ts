import type { Clock } from '../../domain/clock.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { LEASE_BLOCK } from '../../domain/gateway-leases.js';
import type { AdmitOutcome, Tunnel, TunnelInfo } from '../admission.js';
import { type VendorKey, VendorTrust } from '../installation.js';
import type { RunnableAgent, Upkeep, UpkeepContext } from '../runnable.js';
import { GatewayFront } from './gateway-front.js';
import { GatewayLink, type StatementReceived } from './gateway-link.js';
import type { GatewayEnrollment } from './gateway-state.js';
import type { GatewayUsage } from './gateway-usage.js';

export type { GatewayUsage } from './gateway-usage.js';

export interface GatewayAgentDeps {
  stateDir: string;
  clock: Clock;
  /** The vendor keys of the agent's installation, never of its state directory. */
  vendorKeys?: VendorKey[];
  fetch?: typeof fetch;
}

/** Before a first answer says how often to ask, a running gateway asks this often. */
export const DEFAULT_REFRESH_MS = 60_000;

/**
 * Asks out of turn (ahead of need, to give seats back, after a pool that had none) at most this
 * often: one device asks one question at a time anyway, and a full pool is not asked at every refusal.
 */
export const OUT_OF_TURN_MS = 1_000;

/** What a refresh brought: the SecuPoint VPN Client maximum it gives now. */
export interface RefreshedStatement {
  maximum: number;
  validUntil: string;
  refreshAfterMs: number;
}

/**
 * The gateway profile of the agent: an EnGenius/SecuPoint gateway enrolled with the service as a
 * device of an organization. Its licenses are associated in the console; the service signs a
 * statement of them (and of the seats it holds of shared pools), and the gateway admits tunnels
 * against 2 built-in seats plus that statement, in memory, offline until the statement's validity
 * ends; after it only the built-in seats count. The same runner drives it as a server's agent.
 */
export class GatewayAgent implements RunnableAgent {
  readonly #link: GatewayLink;
  readonly #front: GatewayFront;
  readonly #clock: Clock;
  /** Why the stored statement counts nothing; undefined when it counts or there is none. */
  #problem: string | undefined;
  #refreshAfterMs = DEFAULT_REFRESH_MS;
  #inFlight: Promise<Result<RefreshedStatement>> | undefined;
  #lastOutOfTurnAt = Number.NEGATIVE_INFINITY;
  /** A top-up brought nothing: the pool is full; none out of turn until then. */
  #quietUntil = Number.NEGATIVE_INFINITY;

  constructor(deps: GatewayAgentDeps) {
    this.#clock = deps.clock;
    this.#link = new GatewayLink({
      stateDir: deps.stateDir,
      trust: new VendorTrust(deps.vendorKeys),
      clock: deps.clock,
      fetch: deps.fetch,
    });
    this.#front = new GatewayFront(deps.clock);
    this.reload();
  }

  get enrollment(): GatewayEnrollment | undefined {
    return this.#link.enrollment;
  }

  /** Reads the state directory again: the enrollment and the last statement, verified anew. */
  reload(): void {
    this.#link.reload();
    const stored = this.#link.state.loadStatement();
    if (stored === undefined) {
      this.#problem = undefined;
      this.#front.hold(undefined);
      return;
    }
    const verified = this.#link.verify(stored.statement);
    this.#problem = verified.ok ? undefined : verified.error.detail;
    this.#refreshAfterMs = stored.refreshAfterMs || DEFAULT_REFRESH_MS;
    this.#front.hold(
      verified.ok
        ? { payload: verified.value, sentAt: stored.sentAt, receivedAt: stored.receivedAt }
        : undefined,
    );
  }

  /** Enrolls with the one-time code of the device page, then asks for the first statement. */
  async enroll(code: string, serviceUrl: string): Promise<Result<RefreshedStatement>> {
    const enrolled = await this.#link.enroll(code, serviceUrl);
    if (!enrolled.ok) return enrolled;
    this.reload();
    return this.refresh();
  }

  /**
   * Asks the service for a fresh statement, reporting the tunnels up; holding a shared license, it
   * asks for the seats in use plus a block, so that most admissions need no round trip. One at a
   * time; a call while one is on its way shares its outcome. A failed refresh keeps the statement
   * held; an answer that does not verify counts nothing.
   */
  refresh(): Promise<Result<RefreshedStatement>> {
    this.#inFlight ??= this.#refreshOnce().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Lease mode: seats asked for beyond those in use, as the service reckons them too. */
  get #block(): number {
    return LEASE_BLOCK;
  }

  async #refreshOnce(): Promise<Result<RefreshedStatement>> {
    const connected = this.#front.admission.connected;
    const wanted = this.#front.holdsShared ? connected + this.#block : undefined;
    if (wanted !== undefined) this.#front.ask(wanted);
    let answer: Result<StatementReceived>;
    try {
      answer = await this.#link.statement(wanted === undefined ? { connected } : { connected, wanted });
    } catch (error) {
      this.#front.abandon();
      throw error;
    }
    if (!answer.ok) {
      // Refused or unreached, the service changed nothing. An answer that came but does not verify
      // may follow leases shrunk to what was asked: until one verifies, no more are used.
      const { code } = answer.error;
      if (code !== 'grant_invalid' && code !== 'service_answer_invalid') this.#front.abandon();
      return answer;
    }
    const { payload, statement, refreshAfterMs, sentAt, receivedAt } = answer.value;
    // Synced to disk when it is the first: a routine answer lost in a crash is asked for again.
    const first = this.#front.held === undefined;
    this.#link.state.saveStatement({ statement, refreshAfterMs, sentAt, receivedAt }, first);
    this.#problem = undefined;
    this.#refreshAfterMs = refreshAfterMs || DEFAULT_REFRESH_MS;
    this.#front.hold({ payload, sentAt, receivedAt });
    return ok({
      maximum: this.#front.capacity().seats,
      validUntil: payload.validUntil,
      refreshAfterMs,
    });
  }

  capacity(): number {
    return this.#front.capacity().seats;
  }

  untilCapacityChanges(): number {
    return Math.max(0, this.#front.capacity().changesAt - this.#clock.now().getTime());
  }

  admit(tunnel: TunnelInfo): AdmitOutcome {
    const outcome = this.#front.admission.admit(tunnel);
    this.#afterAdmit();
    return outcome;
  }

  /** Lease mode: asks in the background, out of turn, at most once every OUT_OF_TURN_MS. */
  #askOutOfTurn(): void {
    const now = this.#clock.now().getTime();
    if (now - this.#lastOutOfTurnAt < OUT_OF_TURN_MS || now < this.#quietUntil) return;
    this.#lastOutOfTurnAt = now;
    // A failed request is retried by the next refresh; only a local fault (the disk) lands here.
    this.refresh().catch(() => undefined);
  }

  /** Lease mode, after an admission: asks for more seats ahead of need when fewer than half a block are free. */
  #afterAdmit(): void {
    if (!this.#front.holdsShared) return;
    if (this.capacity() - this.#front.admission.connected <= Math.ceil(this.#block / 2)) this.#askOutOfTurn();
  }

  /**
   * Lease mode, after a refusal: asks for more seats at once and says whether it may now admit
   * more. A pool that had none to give is not asked again for OUT_OF_TURN_MS, unless a seat
   * comes free here.
   */
  async topUp(): Promise<boolean> {
    if (!this.#front.holdsShared) return false;
    const now = this.#clock.now().getTime();
    if (now < this.#quietUntil) return false;
    const before = this.capacity();
    const answer = await this.refresh();
    const more = answer.ok && this.capacity() > before;
    if (!more) this.#quietUntil = now + OUT_OF_TURN_MS;
    return more;
  }

  /** Frees the tunnel's seat; holding three blocks more than it uses of a shared pool, it gives the rest back. */
  release(tunnelId: string): boolean {
    const released = this.#front.admission.release(tunnelId);
    if (!released) return false;
    // A seat came free here: the pool may have room again too.
    this.#quietUntil = Number.NEGATIVE_INFINITY;
    if (this.#front.leased > 0 && this.capacity() - this.#front.admission.connected >= 3 * this.#block)
      this.#askOutOfTurn();
    return true;
  }

  adopt(tunnel: TunnelInfo, connectedAt: Date): Tunnel {
    return this.#front.admission.adopt(tunnel, connectedAt);
  }

  replace(oldTunnelId: string, tunnel: TunnelInfo): AdmitOutcome {
    return this.#front.admission.replace(oldTunnelId, tunnel);
  }

  /** The gateway's seats as its device page shows them, and its tunnels. */
  usage(): GatewayUsage {
    const enrollment = this.#link.enrollment;
    const held = this.#front.held;
    const maximum = this.capacity();
    const now = this.#clock.now().getTime();
    return {
      profile: 'gateway',
      deviceId: enrollment?.deviceId ?? '',
      organizationId: enrollment?.organizationId ?? '',
      serviceUrl: enrollment?.serviceUrl ?? '',
      connected: this.#front.admission.connected,
      licensed: maximum,
      secupointVpnClient: { maximum, builtIn: this.#front.builtIn },
      statement:
        held === undefined
          ? null
          : {
              issuedAt: held.payload.issuedAt,
              validUntil: held.payload.validUntil,
              receivedAt: new Date(held.receivedAt).toISOString(),
              valid: now < Date.parse(held.payload.validUntil),
            },
      problem: this.#problem ?? null,
      licenses: this.#front.licenses(),
      tunnels: this.#front.admission.tunnels(),
    };
  }

  /**
   * Asks for a fresh statement every interval the service names, until the returned function is
   * called; a failed one is tried again sooner. `onOutcome` hears each outcome.
   */
  startRefreshes(onOutcome: (outcome: Result<RefreshedStatement>) => void = () => {}): () => void {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const schedule = (ms: number) => {
      if (!stopped) timer = setTimeout(tick, ms);
    };
    const tick = () => {
      this.refresh()
        .catch((error: unknown) => fail('service_unreachable', String(error)))
        .then((outcome) => {
          try {
            onOutcome(outcome);
          } catch {
            // The listener's fault must not stop the refreshes or the process.
          }
          schedule(outcome.ok ? this.#refreshAfterMs : Math.min(this.#refreshAfterMs, 15_000));
        });
    };
    schedule(this.#refreshAfterMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** `agent run`: a statement at once, then at every interval the service names. */
  startUpkeep(context: UpkeepContext): Upkeep {
    const { logger } = context;
    const report = (outcome: Result<RefreshedStatement>) => {
      if (outcome.ok)
        logger.debug({ event: 'statement', maximum: outcome.value.maximum, until: outcome.value.validUntil });
      else logger.warn({ event: 'statement_failed', code: outcome.error.code }, outcome.error.detail);
      context.publish();
    };
    const refreshNow = () =>
      this.refresh()
        .then(report)
        .catch((error: unknown) => logger.error({ event: 'statement_failed' }, (error as Error).message));
    void refreshNow();
    const stop = this.startRefreshes(report);
    return {
      // The service hears the count as soon as it is rebuilt.
      attached: () => void refreshNow(),
      reload: () => {
        this.reload();
        void refreshNow();
      },
      stop,
    };
  }
}
