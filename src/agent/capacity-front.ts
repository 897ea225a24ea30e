import type { Clock } from '../domain/clock.js';
import { type Capacity, capacityAt, type SeatPolicy } from '../domain/seats.js';
import { Admission, type Tunnel } from './admission.js';
import type { LicenseBook, LicenseReport } from './license-book.js';
import type { PoolSync, SubscriptionReport } from './pool-sync.js';

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

export interface CapacityDeps {
  clock: Clock;
  policy: SeatPolicy;
  book: LicenseBook;
  /** Given late: the pool's synchronisation needs this front's admission. */
  pool: () => PoolSync;
  serverId: () => string;
  simulatedMachine: string | undefined;
}

/**
 * What this server may hold now and what it holds: the capacity from the license book and the pool,
 * worked out again only when it can have changed, the admission of tunnels against it, and the
 * usage reported to operators.
 */
export class CapacityFront {
  readonly admission: Admission;
  readonly #deps: CapacityDeps;
  #capacity: Capacity | undefined;

  constructor(deps: CapacityDeps) {
    this.#deps = deps;
    this.admission = new Admission(
      () => this.capacity().seats,
      () => deps.clock.now(),
    );
  }

  /** The licenses or the pool changed: the next question works the capacity out again. */
  changed(): void {
    this.#capacity = undefined;
  }

  /**
   * The capacity now; recomputed only when an instant at which it can change has passed. A
   * subscription that counts here overrides the fixed keys; when it does not (its grace or lease
   * ran out), the fixed keys and built-in connections apply.
   */
  capacity(): Capacity {
    const now = this.#deps.clock.now();
    if (this.#capacity === undefined || now.getTime() >= this.#capacity.changesAt) {
      const fixed = capacityAt(this.#deps.book.grants(), now, this.#deps.policy);
      const pool = this.#deps.pool().membership;
      const pooled = pool?.seats(now.getTime());
      this.#capacity =
        pooled === undefined || pool === undefined
          ? {
              ...fixed,
              changesAt: Math.min(
                fixed.changesAt,
                pool?.changesAt(now.getTime()) ?? Number.POSITIVE_INFINITY,
              ),
            }
          : { seats: pooled, counting: [], changesAt: pool.changesAt(now.getTime()) };
    }
    return this.#capacity;
  }

  usage(): Usage {
    const now = this.#deps.clock.now();
    return {
      serverId: this.#deps.serverId(),
      simulatedMachine: this.#deps.simulatedMachine ?? null,
      connected: this.admission.connected,
      licensed: this.capacity().seats,
      licenses: this.#deps.book.licenses(now),
      subscription: this.#deps.pool().report(now.getTime()),
      tunnels: this.admission.tunnels(),
    };
  }
}
