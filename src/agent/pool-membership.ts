import type { HeartbeatAnswer } from '../contract/subscriptions.js';
import { grantedSeats, type PoolGrantPayload } from '../domain/pool-grant.js';
import type { StoredSubscription } from './state-files.js';

/** What the agent keeps of its subscription, across restarts: enough to go on without the service. */
export type { StoredSubscription };

/** When the service's last answer was sent and received, on the agent's own clock. */
export type PoolAnswer = NonNullable<StoredSubscription['answer']>;

/** What a membership takes from the service's answer to a heartbeat (its grant verified first). */
export type PoolAnswerFromService = Pick<
  HeartbeatAnswer,
  'used' | 'disconnect' | 'lease' | 'leaseExpiresAt' | 'periodEnds' | 'answeredAt' | 'grant'
>;

/**
 * A server's membership of a shared pool, as its agent sees it. Reconcile: admit against what the
 * pool has left as far as the last answer tells, for a grace period without answers. Lease: admit
 * inside the lease until it ends. Outside those, the subscription does not count here.
 */
export class PoolMembership {
  stored: StoredSubscription;
  /** The stored grant, verified by the agent; without one the subscription does not count. */
  #grant: PoolGrantPayload | undefined;
  /**
   * Lease mode: the seats asked for by a heartbeat on its way. The service may shrink the lease
   * to that, and hand the rest to other servers, so until the answer no more are used.
   */
  #asking: number | undefined;

  constructor(stored: StoredSubscription, grant: PoolGrantPayload | undefined) {
    this.stored = stored;
    this.#grant = grant;
  }

  /** What the last verified grant says: the figures an agent reports. */
  get grant(): PoolGrantPayload | undefined {
    return this.#grant;
  }

  /**
   * The seats this server may hold now; undefined when the subscription does not count here now.
   * The figures come from the signed grant and end with it; the agent's own clock may end them
   * sooner (a lease counted from the sending), never later.
   */
  seats(now: number): number | undefined {
    const grant = this.#grant;
    if (grant === undefined || grantedSeats(grant, now) === undefined) return undefined;
    const { answer, graceMs, joinedAt } = this.stored;
    const granted = grantedSeats(grant, now) ?? 0;
    if (grant.mode === 'lease') {
      if (answer === null) return 0;
      if (now >= answer.leaseUntil) return undefined;
      return this.#asking === undefined ? granted : Math.min(granted, this.#asking);
    }
    const lastHeard = answer === null ? joinedAt : answer.receivedAt;
    return now < lastHeard + graceMs ? granted : undefined;
  }

  /** The next instant the seats can change without a new answer. */
  changesAt(now: number): number {
    const { answer, graceMs, joinedAt } = this.stored;
    const candidates = [Date.parse(this.stored.periodEnds)];
    if (this.#grant !== undefined) candidates.push(Date.parse(this.#grant.validUntil));
    if (answer === null) candidates.push(joinedAt + graceMs);
    else candidates.push(this.stored.mode === 'lease' ? answer.leaseUntil : answer.receivedAt + graceMs);
    return Math.min(...candidates.filter((instant) => instant > now), Number.POSITIVE_INFINITY);
  }

  /**
   * Lease mode: seats asked for beyond those in use, so most admissions need no round trip. A
   * twentieth of the pool: in a small pool, an idle server's block would keep others from seats.
   */
  get block(): number {
    return Math.max(1, Math.ceil(this.stored.connections * 0.05));
  }

  /** Lease mode: whether the pool had seats no server leased at the last answer (or gave none yet). */
  get mayGrow(): boolean {
    return this.#grant === undefined || this.#grant.used < this.#grant.connections;
  }

  /** Lease mode: ask for more when fewer than this many seats of the lease are free. */
  get lowWater(): number {
    return Math.ceil(this.block / 2);
  }

  /** The next heartbeat's sequence and, in lease mode, the seats it asks for (held to until answered). */
  prepare(now: number, connected: number): { sequence: number; wanted: number | undefined } {
    // Milliseconds keep growing across restarts even if the stored counter was lost.
    this.stored.sequence = Math.max(this.stored.sequence + 1, now);
    const wanted = this.stored.mode === 'lease' ? connected + this.block : undefined;
    this.#asking = wanted;
    return { sequence: this.stored.sequence, wanted };
  }

  /**
   * The service holds `stored` for this server, which its own counter did not follow (a heartbeat
   * sent in its name, or its own counter run ahead with a clock that was): go on from there.
   */
  continueAfter(stored: number): void {
    this.stored.sequence = stored;
  }

  /** The heartbeat failed: the lease it asked about is still the one held. */
  abandon(): void {
    this.#asking = undefined;
  }

  /**
   * The service's answer to a heartbeat sent at `sentAt`, with its grant already verified. The
   * lease is counted from the sending, not the arrival, so it never outlives the service's count.
   */
  apply(answer: PoolAnswerFromService, grant: PoolGrantPayload, sentAt: number, receivedAt: number): void {
    const leaseFor =
      answer.leaseExpiresAt === null ? 0 : Date.parse(answer.leaseExpiresAt) - Date.parse(answer.answeredAt);
    this.#asking = undefined;
    this.#grant = grant;
    this.stored.periodEnds = grant.periodEnds;
    this.stored.grant = answer.grant;
    this.stored.answer = { leaseUntil: sentAt + leaseFor, receivedAt };
  }
}
