import type { Clock } from '../domain/clock.js';
import { type Failure, fail, ok, type Result } from '../domain/errors.js';
import type { MachineProperties } from '../domain/fingerprint.js';
import { type PoolGrantPayload, verifyPoolGrant } from '../domain/pool-grant.js';
import type { Admission } from './admission.js';
import type { VendorTrust } from './installation.js';
import { PoolMembership } from './pool-membership.js';
import type { ServiceLink } from './service-link.js';
import type { AgentState } from './state.js';
import type { SubscriptionReport } from './state-files.js';

export interface HeartbeatOutcome {
  /** Tunnels the pool ordered off this server; their seats are already free. */
  disconnected: string[];
  used: number;
  lease: number;
}

export type { SubscriptionReport };

export interface PoolSyncDeps {
  state: AgentState;
  link: ServiceLink;
  trust: VendorTrust;
  machine: MachineProperties;
  clock: Clock;
  admission: Admission;
  /** The seats this server may hold now, all grants counted. */
  seats: () => number;
  /** The capacity must be worked out again: the membership or its grant changed. */
  changed: () => void;
}

/**
 * This server's side of a shared pool: joining a subscription, heartbeats that report the tunnels
 * and bring back the signed grant (and, in lease mode, the lease), kept across restarts.
 */
export class PoolSync {
  readonly #deps: PoolSyncDeps;
  #pool: PoolMembership | undefined;
  #heartbeatInFlight: Promise<Result<HeartbeatOutcome>> | undefined;
  #lastTopUpAt = Number.NEGATIVE_INFINITY;

  constructor(deps: PoolSyncDeps) {
    this.#deps = deps;
  }

  get membership(): PoolMembership | undefined {
    return this.#pool;
  }

  /** A subscription joined by another command since this agent started. */
  reload(): void {
    const subscription = this.#deps.state.loadSubscription();
    if (subscription !== undefined && subscription.subscriptionId !== this.#pool?.stored.subscriptionId) {
      const grant = this.#verifyGrant(subscription.grant, subscription.subscriptionId);
      this.#pool = new PoolMembership(subscription, grant.ok ? grant.value : undefined);
    }
  }

  /**
   * Lease mode, after an admission: asks for more seats ahead of need, in the background, so
   * admissions do not wait; at most ten times an interval, so a full pool is not asked again at
   * every attempt.
   */
  afterAdmit(): void {
    const pool = this.#pool;
    const { admission, seats, clock } = this.#deps;
    if (pool?.stored.mode !== 'lease' || seats() - admission.connected > pool.lowWater) return;
    const now = clock.now().getTime();
    if (now - this.#lastTopUpAt < pool.stored.heartbeatIntervalMs / 10) return;
    this.#lastTopUpAt = now;
    // A failed request is retried by the next heartbeat; only a local fault (the disk) lands here.
    this.heartbeat().catch(() => undefined);
  }

  /**
   * Lease mode, after a refusal: asks the pool for more seats at once and says whether it may now
   * admit more. A tunnel is then refused only when the pool, not just this server's lease, is full.
   */
  async topUp(): Promise<boolean> {
    const pool = this.#pool;
    if (pool?.grant?.mode !== 'lease' || !pool.mayGrow) return false;
    const before = this.#deps.seats();
    const answer = await this.heartbeat();
    return answer.ok && this.#deps.seats() > before;
  }

  /** Activates a subscription on this server: it joins the pool and sends its first heartbeat. */
  async join(typedKey: string, serviceUrl?: string): Promise<Result<HeartbeatOutcome>> {
    const { link, trust, machine, clock, state, changed } = this.#deps;
    const url = serviceUrl ?? link.serviceUrl;
    if (url === undefined)
      return fail('validation_failed', 'Give the license service URL (--service).', 'service');
    const key = typedKey.trim();
    const trusted = trust.require();
    if (!trusted.ok) return trusted;
    const joined = await link
      .client(url)
      .joinSubscription({ key, serverId: link.serverId, fingerprint: machine });
    if (!joined.ok) return joined;
    const grant = this.#verifyGrant(joined.value.grant, joined.value.subscriptionId);
    if (!grant.ok) return grant;
    link.pin(url);
    const { subscriptionId, connections, mode, heartbeatIntervalMs, graceMs, periodEnds } = joined.value;
    const sequence = this.#pool?.stored.subscriptionId === subscriptionId ? this.#pool.stored.sequence : 0;
    this.#pool = new PoolMembership(
      {
        key,
        subscriptionId,
        mode,
        connections,
        heartbeatIntervalMs,
        graceMs,
        periodEnds,
        joinedAt: clock.now().getTime(),
        sequence,
        answer: null,
        grant: joined.value.grant,
      },
      grant.value,
    );
    state.saveSubscription(this.#pool.stored);
    changed();
    // A heartbeat of the old membership may still be on its way: this one must be the new one's.
    await this.#heartbeatInFlight;
    return this.heartbeat();
  }

  /**
   * Reports this server's tunnels to its pool. Reconcile: releases the tunnels the service orders
   * off and returns them, for the VPN server to disconnect. Lease: asks for the seats in use plus a
   * block. One heartbeat at a time; a call while one is on its way shares its outcome.
   */
  heartbeat(): Promise<Result<HeartbeatOutcome>> {
    this.#heartbeatInFlight ??= this.#sendHeartbeat().finally(() => {
      this.#heartbeatInFlight = undefined;
    });
    return this.#heartbeatInFlight;
  }

  /**
   * A heartbeat now, for a server whose agent does not run: it counts again if the service still
   * has the subscription. A server the pool no longer holds joins it again with its stored key.
   * Undefined when the server has no subscription.
   */
  async renew(): Promise<Result<HeartbeatOutcome> | undefined> {
    const pool = this.#pool;
    if (pool === undefined) return undefined;
    const sent = await this.heartbeat();
    if (sent.ok || sent.error.code !== 'not_pool_member') return sent;
    return this.join(pool.stored.key);
  }

  /**
   * Sends a heartbeat every interval of the subscription until stopped. `onOutcome` hears each
   * outcome: the tunnels ordered off, for the VPN server to disconnect, or why it failed.
   */
  startHeartbeats(onOutcome: (outcome: Result<HeartbeatOutcome>) => void = () => {}): () => void {
    const interval = this.#pool?.stored.heartbeatIntervalMs;
    if (interval === undefined) return () => {};
    const timer = setInterval(() => {
      // A tick while one is on its way (a top-up, a slow service) is skipped, not reported twice.
      if (this.#heartbeatInFlight !== undefined) return;
      this.heartbeat()
        .catch((error: unknown) => fail('service_unreachable', String(error)))
        .then((outcome) => {
          try {
            onOutcome(outcome);
          } catch {
            // The listener's fault must not stop the heartbeats or the process.
          }
        });
    }, interval);
    return () => clearInterval(timer);
  }

  async #sendHeartbeat(): Promise<Result<HeartbeatOutcome>> {
    const pool = this.#pool;
    const url = this.#deps.link.serviceUrl;
    if (pool === undefined || url === undefined)
      return fail('not_pool_member', 'This server has no subscription.');
    const sent = await this.#sendHeartbeatOnce(pool, url);
    if (sent.ok || sent.error.code !== 'heartbeat_out_of_order' || sent.error.storedSequence === undefined)
      return sent;
    // Refused for its sequence alone: once more, above the one the service holds.
    pool.continueAfter(sent.error.storedSequence);
    return this.#sendHeartbeatOnce(pool, url);
  }

  async #sendHeartbeatOnce(pool: PoolMembership, url: string): Promise<Result<HeartbeatOutcome>> {
    const { clock, admission, link, state, changed } = this.#deps;
    const sentAt = clock.now().getTime();
    const tunnels = admission
      .tunnels()
      .map((tunnel) => ({ id: tunnel.id, connectedAt: tunnel.connectedAt.getTime() }));
    const { sequence, wanted } = pool.prepare(sentAt, tunnels.length);
    changed();
    const request = {
      key: pool.stored.key,
      serverId: link.serverId,
      sequence,
      sentAt,
      tunnels,
      ...(wanted === undefined ? {} : { wanted }),
    };
    const answer = await link.client(url).heartbeat(request);
    // The answer belongs to the membership that sent it; the server may have joined another since.
    if (this.#pool !== pool)
      return fail('not_pool_member', 'The server joined another subscription meanwhile.');
    if (!answer.ok) return this.#abandon(pool, answer);
    const grant = this.#verifyGrant(answer.value.grant, pool.stored.subscriptionId);
    if (!grant.ok) return this.#abandon(pool, grant);
    const disconnected = answer.value.disconnect.filter((id) => admission.release(id));
    pool.apply(answer.value, grant.value, sentAt, clock.now().getTime());
    // `agent subscribe` may have saved another subscription while this heartbeat was out: the
    // reload it asks for switches to it, and this answer must not write over it meanwhile.
    if (state.loadSubscription()?.subscriptionId === pool.stored.subscriptionId)
      state.saveSubscription(pool.stored, false);
    changed();
    return ok({ disconnected, used: answer.value.used, lease: answer.value.lease });
  }

  /** The heartbeat failed: the lease it asked about is still the one held. */
  #abandon(pool: PoolMembership, failure: { ok: false; error: Failure }): Result<HeartbeatOutcome> {
    pool.abandon();
    this.#deps.changed();
    return failure;
  }

  /** A pool grant counts only if the vendor signed it, for this server and this subscription. */
  #verifyGrant(candidate: unknown, subscriptionId: string): Result<PoolGrantPayload> {
    const verified = verifyPoolGrant(candidate, this.#deps.trust.keys);
    if (!verified.ok) return fail('grant_invalid', verified.error.detail);
    if (
      verified.value.serverId !== this.#deps.link.serverId ||
      verified.value.subscriptionId !== subscriptionId
    )
      return fail('grant_invalid', 'The pool grant was made for another server or subscription.');
    return verified;
  }

  /** The subscription as this server sees it now; null when it has joined none. */
  report(now: number): SubscriptionReport | null {
    if (this.#pool === undefined) return null;
    const { subscriptionId, mode, connections, answer, heartbeatIntervalMs } = this.#pool.stored;
    const { grant } = this.#pool;
    const counting = this.#pool.seats(now) !== undefined;
    const until = this.#pool.changesAt(now);
    return {
      subscriptionId,
      mode,
      connections,
      counting,
      heartbeatIntervalMs,
      countingUntil: counting && Number.isFinite(until) ? new Date(until).toISOString() : null,
      poolUsed: answer === null ? null : (grant?.used ?? null),
      lease: mode === 'lease' ? (answer === null ? 0 : (grant?.lease ?? 0)) : null,
      lastAnswerAt: answer === null ? null : new Date(answer.receivedAt).toISOString(),
    };
  }
}
