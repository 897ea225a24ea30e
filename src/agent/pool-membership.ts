import type { EnforcementMode } from '../domain/pools.js';

/** What the agent keeps of its subscription, across restarts: enough to go on without the service. */
export interface StoredSubscription {
  key: string;
  subscriptionId: string;
  mode: EnforcementMode;
  connections: number;
  heartbeatIntervalMs: number;
  graceMs: number;
  periodEnds: string;
  /** The last heartbeat sequence sent; the next one is higher, even after a restart. */
  sequence: number;
  answer: PoolAnswer | null;
}

/** The service's last answer, with its instants moved onto the agent's own clock. */
export interface PoolAnswer {
  /** Reconcile: tunnels across the pool. Lease: seats leased across the pool. */
  used: number;
  /** How many tunnels this server reported in the heartbeat answered. */
  reported: number;
  lease: number;
  leaseUntil: number;
  receivedAt: number;
}

export interface PoolAnswerFromService {
  used: number;
  disconnect: string[];
  lease: number;
  leaseExpiresAt: string | null;
  answeredAt: string;
}

/**
 * A server's membership of a shared pool, as its agent sees it. Reconcile: admit against what the
 * pool has left as far as the last answer tells, for a grace period without answers. Lease: admit
 * inside the lease until it ends. Outside those, the subscription does not count here.
 */
export class PoolMembership {
  stored: StoredSubscription;

  constructor(stored: StoredSubscription) {
    this.stored = stored;
  }

  /** The seats this server may hold now; undefined when the subscription does not count here now. */
  seats(now: number): number | undefined {
    const { answer, connections, mode } = this.stored;
    if (now >= Date.parse(this.stored.periodEnds)) return undefined;
    if (mode === 'lease') {
      if (answer === null) return 0;
      return now < answer.leaseUntil ? answer.lease : undefined;
    }
    if (answer === null) return connections;
    if (now >= answer.receivedAt + this.stored.graceMs) return undefined;
    return Math.max(0, connections - (answer.used - answer.reported));
  }

  /** The next instant the seats can change without a new answer. */
  changesAt(now: number): number {
    const { answer } = this.stored;
    const candidates = [Date.parse(this.stored.periodEnds)];
    if (answer !== null)
      candidates.push(
        this.stored.mode === 'lease' ? answer.leaseUntil : answer.receivedAt + this.stored.graceMs,
      );
    return Math.min(...candidates.filter((instant) => instant > now), Number.POSITIVE_INFINITY);
  }

  /** Lease mode: seats asked for beyond those in use, so most admissions need no round trip. */
  get block(): number {
    return Math.max(2, Math.ceil(this.stored.connections * 0.05));
  }

  /** Lease mode: ask for more when fewer than this many seats of the lease are free. */
  get lowWater(): number {
    return Math.ceil(this.block / 2);
  }

  nextSequence(now: number): number {
    // Milliseconds keep growing across restarts even if the stored counter was lost.
    this.stored.sequence = Math.max(this.stored.sequence + 1, now);
    return this.stored.sequence;
  }

  apply(answer: PoolAnswerFromService, reported: number, now: number): void {
    // The lease is kept for as long as the service said, measured from when the answer arrived.
    const leaseFor =
      answer.leaseExpiresAt === null ? 0 : Date.parse(answer.leaseExpiresAt) - Date.parse(answer.answeredAt);
    this.stored.answer = {
      used: answer.used,
      reported,
      lease: answer.lease,
      leaseUntil: now + leaseFor,
      receivedAt: now,
    };
  }
}
