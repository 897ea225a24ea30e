import { type KeyObject, randomBytes } from 'node:crypto';
import { ACTIVATION_REFERENCES, OfflineAnswer, type OfflineRequest } from '../contract/activation.js';
import { checker } from '../contract/check.js';
import {
  type CertificatePayload,
  checkBinding,
  type Grant,
  publicKeyFromPem,
  verifyCertificate,
} from '../domain/certificate.js';
import type { Clock } from '../domain/clock.js';
import { type ErrorCode, fail, ok, type Result } from '../domain/errors.js';
import { type Fingerprint, fingerprintOf, type MachineProperties } from '../domain/fingerprint.js';
import { isId } from '../domain/ids.js';
import { parseLicenseKey } from '../domain/license-key.js';
import { type PoolGrantPayload, verifyPoolGrant } from '../domain/pool-grant.js';
import { ACCESS_SERVER_POLICY, type Capacity, capacityAt, type SeatPolicy } from '../domain/seats.js';
import { Admission, type AdmitOutcome, type Tunnel, type TunnelInfo } from './admission.js';
import { noVendorKeyMessage, type VendorKey } from './installation.js';
import { PoolMembership } from './pool-membership.js';
import { ServiceClient } from './service-client.js';
import { type AgentIdentity, AgentState, type StoredLicense } from './state.js';

const OFFLINE_ANSWER = checker(OfflineAnswer, ACTIVATION_REFERENCES);

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

/** One stored license as the agent judges it now. */
export interface LicenseReport {
  licenseId: string;
  keyHint: string;
  seats: number;
  ends: string | null;
  certificateExpiresAt: string | null;
  status: 'counting' | 'not_counting';
  /** Why it does not count: the seeds' message for a machine mismatch, or what to do. */
  reason: string | null;
  code: ErrorCode | null;
}

/** What `agent offline-request` writes for the service: an activation request carried by hand. */
export type { OfflineRequest };

export interface HeartbeatOutcome {
  /** Tunnels the pool ordered off this server; their seats are already free. */
  disconnected: string[];
  used: number;
  lease: number;
}

export interface SubscriptionReport {
  subscriptionId: string;
  mode: 'reconcile' | 'lease';
  connections: number;
  /** Whether the subscription sets this server's capacity now (else its grace or lease ran out). */
  counting: boolean;
  /** Reconcile: tunnels across the pool at the last answer. Lease: seats leased across the pool. */
  poolUsed: number | null;
  lease: number | null;
  lastAnswerAt: string | null;
}

export interface Usage {
  serverId: string;
  /** The file the machine properties were simulated from; null on the machine's own. */
  simulatedMachine: string | null;
  connected: number;
  licensed: number;
  licenses: LicenseReport[];
  subscription: SubscriptionReport | null;
  tunnels: Tunnel[];
}

interface Judged {
  stored: StoredLicense;
  /** Present when the signature verified. */
  payload: CertificatePayload | undefined;
  grant: Grant | undefined;
  problem: { code: ErrorCode; reason: string } | undefined;
}

/**
 * The VPN-server side: holds the activated licenses, works out the capacity from verified
 * certificates only, and admits tunnels against it in memory. The service is needed to activate
 * and refresh, never to admit.
 */
export class Agent {
  readonly #state: AgentState;
  readonly #clock: Clock;
  readonly #machine: MachineProperties;
  readonly #fingerprint: Fingerprint;
  readonly #fetch: typeof fetch | undefined;
  readonly #policy: SeatPolicy;
  readonly #trusted: Map<string, KeyObject>;
  readonly #simulatedMachine: string | undefined;
  #identity: AgentIdentity;
  #judged: Judged[] = [];
  #unreadable: { file: string; reason: string }[] = [];
  #capacity: Capacity | undefined;
  readonly #admission: Admission;
  #pool: PoolMembership | undefined;
  #heartbeatInFlight: Promise<Result<HeartbeatOutcome>> | undefined;
  #client: { url: string; client: ServiceClient } | undefined;
  #lastTopUpAt = Number.NEGATIVE_INFINITY;

  constructor(deps: AgentDeps) {
    this.#state = new AgentState(deps.stateDir);
    this.#clock = deps.clock;
    this.#machine = deps.machine;
    this.#fingerprint = fingerprintOf(deps.machine);
    this.#fetch = deps.fetch;
    this.#policy = deps.policy ?? ACCESS_SERVER_POLICY;
    this.#trusted = new Map(
      (deps.vendorKeys ?? []).map((key) => [key.kid, publicKeyFromPem(key.publicKeyPem)]),
    );
    this.#simulatedMachine = deps.simulatedMachine;
    this.#identity = this.#state.loadIdentity(deps.clock);
    this.#admission = new Admission(
      () => this.capacity().seats,
      () => this.#clock.now(),
    );
    this.reload();
  }

  get serverId(): string {
    return this.#identity.serverId;
  }

  get serviceUrl(): string | undefined {
    return this.#identity.serviceUrl;
  }

  /** The file its machine properties were simulated from, if they are not this machine's own. */
  get simulatedMachine(): string | undefined {
    return this.#simulatedMachine;
  }

  /** One client per service URL list, so that it remembers which instance answered last. */
  #clientFor(url: string): ServiceClient {
    if (this.#client?.url !== url) this.#client = { url, client: new ServiceClient(url, this.#fetch) };
    return this.#client.client;
  }

  /** Refuses, before anything is asked of the service, what the agent could not verify. */
  #requireVendorKey(): Result<void> {
    return this.#trusted.size > 0 ? ok(undefined) : fail('vendor_key_missing', noVendorKeyMessage());
  }

  #judge(stored: StoredLicense): Judged {
    const trusted = this.#requireVendorKey();
    if (!trusted.ok)
      return {
        stored,
        payload: undefined,
        grant: undefined,
        problem: { code: 'vendor_key_missing', reason: trusted.error.detail },
      };
    const verified = verifyCertificate(stored.certificate, this.#trusted);
    if (!verified.ok) {
      return {
        stored,
        payload: undefined,
        grant: undefined,
        problem: { code: verified.error.code, reason: verified.error.detail },
      };
    }
    const payload = verified.value;
    if (payload.licenseId !== stored.licenseId) {
      const reason = `the file for ${stored.licenseId} holds the certificate of ${payload.licenseId}`;
      return { stored, payload, grant: undefined, problem: { code: 'certificate_invalid', reason } };
    }
    const bound = checkBinding(payload, this.serverId, this.#fingerprint);
    return bound.valid
      ? { stored, payload, grant: bound.grant, problem: undefined }
      : { stored, payload, grant: undefined, problem: { code: bound.code, reason: bound.reason } };
  }

  /**
   * Reads the state directory again and verifies every certificate in it. A license counts once,
   * by its newest certificate, however many copies of its file lie around.
   */
  reload(): void {
    // Another command may have set the service URL since this one started.
    this.#identity = this.#state.loadIdentity(this.#clock);
    const { licenses, unreadable } = this.#state.loadLicenses();
    const newest = new Map<string, Judged>();
    const others: Judged[] = [];
    for (const judged of licenses.map((stored) => this.#judge(stored))) {
      if (judged.payload === undefined || judged.problem?.code === 'certificate_invalid') {
        others.push(judged);
        continue;
      }
      const held = newest.get(judged.payload.licenseId);
      if (held?.payload === undefined || held.payload.issuedAt < judged.payload.issuedAt) {
        newest.set(judged.payload.licenseId, judged);
      }
    }
    this.#unreadable = unreadable;
    this.#judged = [...newest.values(), ...others];
    // A subscription joined by another command since this agent started.
    const subscription = this.#state.loadSubscription();
    if (subscription !== undefined && subscription.subscriptionId !== this.#pool?.stored.subscriptionId) {
      const grant = this.#verifyGrant(subscription.grant, subscription.subscriptionId);
      this.#pool = new PoolMembership(subscription, grant.ok ? grant.value : undefined);
    }
    this.#capacity = undefined;
  }

  /**
   * The capacity now; recomputed only when an instant at which it can change has passed. A
   * subscription that counts here overrides the fixed keys; when it does not (its grace or lease
   * ran out), the fixed keys and built-in connections apply.
   */
  capacity(): Capacity {
    const now = this.#clock.now();
    if (this.#capacity === undefined || now.getTime() >= this.#capacity.changesAt) {
      const grants = this.#judged.flatMap((judged) => (judged.grant === undefined ? [] : [judged.grant]));
      const fixed = capacityAt(grants, now, this.#policy);
      const pooled = this.#pool?.seats(now.getTime());
      this.#capacity =
        pooled === undefined || this.#pool === undefined
          ? {
              ...fixed,
              changesAt: Math.min(
                fixed.changesAt,
                this.#pool?.changesAt(now.getTime()) ?? Number.POSITIVE_INFINITY,
              ),
            }
          : { seats: pooled, counting: [], changesAt: this.#pool.changesAt(now.getTime()) };
    }
    return this.#capacity;
  }

  admit(tunnel: TunnelInfo): AdmitOutcome {
    const outcome = this.#admission.admit(tunnel);
    // Lease mode: ask for more seats ahead of need, in the background, so admissions do not wait;
    // at most ten times an interval, so a full pool is not asked again at every attempt.
    const pool = this.#pool;
    if (pool?.stored.mode === 'lease' && this.capacity().seats - this.#admission.connected <= pool.lowWater) {
      const now = this.#clock.now().getTime();
      if (now - this.#lastTopUpAt >= pool.stored.heartbeatIntervalMs / 10) {
        this.#lastTopUpAt = now;
        // A failed request is retried by the next heartbeat; only a local fault (the disk) lands here.
        this.heartbeat().catch(() => undefined);
      }
    }
    return outcome;
  }

  release(tunnelId: string): boolean {
    return this.#admission.release(tunnelId);
  }

  /** Counts a tunnel found already up, whatever the capacity (see `Admission.adopt`). */
  adopt(tunnel: TunnelInfo, connectedAt: Date): Tunnel {
    return this.#admission.adopt(tunnel, connectedAt);
  }

  /** A new session of the same identity takes the old session's seat (see `Admission.replace`). */
  replace(oldTunnelId: string, tunnel: TunnelInfo): AdmitOutcome {
    return this.#admission.replace(oldTunnelId, tunnel);
  }

  /**
   * Lease mode, after a refusal: asks the pool for more seats at once and says whether it may now
   * admit more. A tunnel is then refused only when the pool, not just this server's lease, is full.
   */
  async topUp(): Promise<boolean> {
    const pool = this.#pool;
    if (pool?.grant?.mode !== 'lease' || !pool.mayGrow) return false;
    const before = this.capacity().seats;
    const answer = await this.heartbeat();
    return answer.ok && this.capacity().seats > before;
  }

  /** Activates a subscription on this server: it joins the pool and sends its first heartbeat. */
  async joinSubscription(typedKey: string, serviceUrl?: string): Promise<Result<HeartbeatOutcome>> {
    const url = serviceUrl ?? this.#identity.serviceUrl;
    if (url === undefined)
      return fail('validation_failed', 'Give the license service URL (--service).', 'service');
    const key = typedKey.trim();
    const trusted = this.#requireVendorKey();
    if (!trusted.ok) return trusted;
    const client = this.#clientFor(url);
    const joined = await client.joinSubscription({
      key,
      serverId: this.serverId,
      fingerprint: this.#machine,
    });
    if (!joined.ok) return joined;
    const grant = this.#verifyGrant(joined.value.grant, joined.value.subscriptionId);
    if (!grant.ok) return grant;
    if (this.#identity.serviceUrl !== url) {
      this.#identity = { ...this.#identity, serviceUrl: url };
      this.#state.saveIdentity(this.#identity);
    }
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
        joinedAt: this.#clock.now().getTime(),
        sequence,
        answer: null,
        grant: joined.value.grant,
      },
      grant.value,
    );
    this.#state.saveSubscription(this.#pool.stored);
    this.#capacity = undefined;
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
    const url = this.#identity.serviceUrl;
    if (pool === undefined || url === undefined)
      return fail('not_activated', 'This server has no subscription.');
    const sent = await this.#sendHeartbeatOnce(pool, url);
    if (sent.ok || sent.error.code !== 'heartbeat_out_of_order' || sent.error.storedSequence === undefined)
      return sent;
    // Refused for its sequence alone: once more, above the one the service holds.
    pool.continueAfter(sent.error.storedSequence);
    return this.#sendHeartbeatOnce(pool, url);
  }

  async #sendHeartbeatOnce(pool: PoolMembership, url: string): Promise<Result<HeartbeatOutcome>> {
    const sentAt = this.#clock.now().getTime();
    const tunnels = this.#admission
      .tunnels()
      .map((tunnel) => ({ id: tunnel.id, connectedAt: tunnel.connectedAt.getTime() }));
    const { sequence, wanted } = pool.prepare(sentAt, tunnels.length);
    this.#capacity = undefined;
    const request = {
      key: pool.stored.key,
      serverId: this.serverId,
      sequence,
      sentAt,
      tunnels,
      ...(wanted === undefined ? {} : { wanted }),
    };
    const answer = await this.#clientFor(url).heartbeat(request);
    // The answer belongs to the membership that sent it; the server may have joined another since.
    if (this.#pool !== pool)
      return fail('not_activated', 'The server joined another subscription meanwhile.');
    if (!answer.ok) {
      pool.abandon();
      this.#capacity = undefined;
      return answer;
    }
    const grant = this.#verifyGrant(answer.value.grant, pool.stored.subscriptionId);
    if (!grant.ok) {
      pool.abandon();
      this.#capacity = undefined;
      return grant;
    }
    const disconnected = answer.value.disconnect.filter((id) => this.#admission.release(id));
    pool.apply(answer.value, grant.value, sentAt, this.#clock.now().getTime());
    // `agent subscribe` may have saved another subscription while this heartbeat was out: the
    // reload it asks for switches to it, and this answer must not write over it meanwhile.
    if (this.#state.loadSubscription()?.subscriptionId === pool.stored.subscriptionId)
      this.#state.saveSubscription(pool.stored, false);
    this.#capacity = undefined;
    return ok({ disconnected, used: answer.value.used, lease: answer.value.lease });
  }

  /** A pool grant counts only if the vendor signed it, for this server and this subscription. */
  #verifyGrant(candidate: unknown, subscriptionId: string): Result<PoolGrantPayload> {
    const verified = verifyPoolGrant(candidate, this.#trusted);
    if (!verified.ok) return verified;
    if (verified.value.serverId !== this.serverId || verified.value.subscriptionId !== subscriptionId)
      return fail('certificate_invalid', 'The pool grant was made for another server or subscription.');
    return verified;
  }

  /** Activates a key (or confirms an existing binding) and stores the certificate the service signed. */
  /** `failover`: this is an integrated standby server, and the key is the failover key of its primary's. */
  async activate(
    typedKey: string,
    serviceUrl?: string,
    options: { failover?: boolean } = {},
  ): Promise<Result<LicenseReport>> {
    const key = parseLicenseKey(typedKey);
    if (!key.ok) return key;
    const url = serviceUrl ?? this.#identity.serviceUrl;
    if (url === undefined)
      return fail(
        'validation_failed',
        'Give the license service URL (--service) for the first activation.',
        'service',
      );
    // Checked before the service binds the key to a server that could not verify its certificate.
    const trusted = this.#requireVendorKey();
    if (!trusted.ok) return trusted;
    const client = this.#clientFor(url);
    if (this.#identity.serviceUrl !== url) {
      this.#identity = { ...this.#identity, serviceUrl: url };
      this.#state.saveIdentity(this.#identity);
    }
    return this.#exchange(client, 'activate', typedKey, options.failover === true);
  }

  async #exchange(
    client: ServiceClient,
    kind: 'activate' | 'refresh',
    key: string,
    failover: boolean,
  ): Promise<Result<LicenseReport>> {
    const nonce = randomBytes(16).toString('base64url');
    const request = {
      key,
      serverId: this.serverId,
      fingerprint: this.#machine,
      nonce,
      ...(failover ? { failover } : {}),
    };
    const answer = kind === 'activate' ? await client.activate(request) : await client.refresh(request);
    if (!answer.ok) return answer;
    return this.#install(answer.value.certificate, key, (certified) => certified === nonce);
  }

  /**
   * Verifies a certificate (signature, that it answers a request of this server, this server and
   * this machine) and stores it as the key's. Online and offline activation end here alike.
   */
  #install(certificate: unknown, key: string, requested: (nonce: string) => boolean): Result<LicenseReport> {
    const verified = verifyCertificate(certificate, this.#trusted);
    if (!verified.ok) return verified;
    const bound = checkBinding(verified.value, this.serverId, this.#fingerprint);
    if (!bound.valid) return fail(bound.code, bound.reason);
    if (!requested(verified.value.nonce))
      return fail('certificate_invalid', 'The certificate answers another request, not one of this server.');
    // The file is named from the signed payload, never from the unsigned parts of the answer.
    const { licenseId } = verified.value;
    if (!isId(licenseId, 'lic'))
      return fail('certificate_invalid', 'The certificate names no valid license id.');
    this.#state.saveLicense({ licenseId, key, certificate });
    this.reload();
    const report = this.licenses().find((license) => license.licenseId === licenseId);
    return report === undefined
      ? fail('certificate_invalid', 'The stored certificate could not be read back.')
      : ok(report);
  }

  /**
   * Offline activation, first step: the request for a server with no route to the service, for
   * someone who has one to submit. Its nonce is kept, so that only the answer to it is imported.
   */
  offlineRequest(typedKey: string, options: { failover?: boolean } = {}): Result<OfflineRequest> {
    const key = parseLicenseKey(typedKey);
    if (!key.ok) return key;
    const nonce = randomBytes(16).toString('base64url');
    this.#state.savePendingOffline([...this.#state.loadPendingOffline(), { nonce, key: typedKey.trim() }]);
    return ok({
      format: 'seatkeeper-offline-request/1',
      key: typedKey.trim(),
      serverId: this.serverId,
      fingerprint: this.#machine,
      nonce,
      ...(options.failover === true ? { failover: true } : {}),
    });
  }

  /**
   * Offline activation, last step: installs the certificate the service answered a request of
   * this server with. One edited by hand, made for another machine, or answering no request of
   * this server is refused, saying why.
   */
  offlineImport(file: unknown): Result<LicenseReport> {
    const trusted = this.#requireVendorKey();
    if (!trusted.ok) return trusted;
    const read = OFFLINE_ANSWER(file);
    if (!read.ok)
      return fail(
        'certificate_invalid',
        `The file is damaged or not a Seatkeeper license certificate (${read.wrong}).`,
      );
    const certificate = 'certificate' in read.value ? read.value.certificate : read.value;
    const pending = this.#state.loadPendingOffline();
    const request = pending.find((entry) => entry.nonce === certificate.payload.nonce);
    const installed = this.#install(certificate, request?.key ?? '', () => request !== undefined);
    if (installed.ok) this.#state.savePendingOffline(pending.filter((entry) => entry !== request));
    return installed;
  }

  /**
   * Asks for fresh certificates for licenses whose certificate is past half its life (or all of
   * them with `force`), so a reachable service always renews well before the TTL runs out.
   */
  async refresh(
    options: { force?: boolean } = {},
  ): Promise<{ licenseId: string; result: Result<LicenseReport> }[]> {
    const url = this.#identity.serviceUrl;
    if (url === undefined) return [];
    const trusted = this.#requireVendorKey();
    if (!trusted.ok)
      return this.#judged.map(({ stored }) => ({ licenseId: stored.licenseId, result: trusted }));
    const client = this.#clientFor(url);
    const now = this.#clock.now().getTime();
    // A machine that changed within the tolerance asks now: the service follows it, or says why not.
    const due = this.#judged.filter(({ payload, problem }) => {
      if (options.force || payload === undefined || problem?.code === 'fingerprint_mismatch') return true;
      const issued = Date.parse(payload.issuedAt);
      return now >= issued + (Date.parse(payload.expiresAt) - issued) / 2;
    });
    const results = [];
    for (const { stored, payload } of due)
      results.push({
        licenseId: stored.licenseId,
        result: await this.#exchange(client, 'refresh', stored.key, payload?.kind === 'failover'),
      });
    return results;
  }

  licenses(): LicenseReport[] {
    const now = this.#clock.now().getTime();
    return this.#judged.map(({ stored, payload, grant, problem }) => {
      const base = {
        licenseId: stored.licenseId,
        keyHint: payload?.keyHint ?? stored.key.slice(-4),
        seats: payload?.seats ?? 0,
        ends: payload?.ends ?? null,
        certificateExpiresAt: payload?.expiresAt ?? null,
      };
      if (problem !== undefined)
        return { ...base, status: 'not_counting', reason: problem.reason, code: problem.code };
      if (grant === undefined)
        return { ...base, status: 'not_counting', reason: 'no certificate', code: 'certificate_invalid' };
      if (now >= grant.ends.getTime()) {
        return {
          ...base,
          status: 'not_counting',
          reason: `the support term ended on ${base.ends?.slice(0, 10)}: renew the key`,
          code: 'license_expired',
        };
      }
      if (now >= grant.certificateExpiresAt.getTime()) {
        return {
          ...base,
          status: 'not_counting',
          reason: 'the certificate expired: refresh it with the license service (seatkeeper agent refresh)',
          code: 'certificate_invalid',
        };
      }
      if (now < grant.starts.getTime())
        return {
          ...base,
          status: 'not_counting',
          reason: `the term starts on ${grant.starts.toISOString().slice(0, 10)}`,
          code: null,
        };
      return { ...base, status: 'counting', reason: null, code: null };
    });
  }

  /** Stored files the agent could not read; shown beside the usage so they are not missed. */
  get unreadable(): { file: string; reason: string }[] {
    return this.#unreadable;
  }

  #subscriptionReport(): SubscriptionReport | null {
    if (this.#pool === undefined) return null;
    const { subscriptionId, mode, connections, answer } = this.#pool.stored;
    const { grant } = this.#pool;
    return {
      subscriptionId,
      mode,
      connections,
      counting: this.#pool.seats(this.#clock.now().getTime()) !== undefined,
      poolUsed: answer === null ? null : (grant?.used ?? null),
      lease: mode === 'lease' ? (answer === null ? 0 : (grant?.lease ?? 0)) : null,
      lastAnswerAt: answer === null ? null : new Date(answer.receivedAt).toISOString(),
    };
  }

  usage(): Usage {
    return {
      serverId: this.serverId,
      simulatedMachine: this.#simulatedMachine ?? null,
      connected: this.#admission.connected,
      licensed: this.capacity().seats,
      licenses: this.licenses(),
      subscription: this.#subscriptionReport(),
      tunnels: this.#admission.tunnels(),
    };
  }
}
