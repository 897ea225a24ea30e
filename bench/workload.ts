import { performance } from 'node:perf_hooks';
import { percentile } from './support.js';

/**
 * The tunnel workload of the fleet benchmarks and the harness that plays it against a gate (the
 * lease fleet, or the redis-semaphore peer), measuring both the same way.
 */

export interface WorkloadEvent {
  server: number;
  connect: boolean;
  /** For a disconnect: which of the server's tunnels, as a fraction of how many it holds. */
  pick: number;
}

/** A deterministic workload: both sides of a comparison see the same events. */
export function workload(options: { servers: number; events: number; seed: number }): WorkloadEvent[] {
  let state = options.seed >>> 0 || 1;
  const next = () => {
    // xorshift32: fast, repeatable, good enough to spread events.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  // Slightly more connects than disconnects, so the pool fills and stays contended.
  return Array.from({ length: options.events }, () => ({
    server: Math.floor(next() * options.servers),
    connect: next() < 0.56,
    pick: next(),
  }));
}

/**
 * The tunnels up on each simulated server, with O(1) add, remove and random pick, and the pool's
 * over-admissions. A tunnel is up from the instant its admission is answered yes until the instant
 * it goes down, before the gate hears of it: what the pool's seats limit is the tunnels up.
 */
export class Ledger {
  readonly #held: string[][];
  readonly #index = new Map<string, number>();
  readonly #seats: number;
  total = 0;
  /** How many times an admission filled the pool: a refusal is false only if none did while it was decided. */
  filled = 0;
  /** Admissions after which the pool had more tunnels up than seats, the largest excess, and for how long. */
  overAdmittedEvents = 0;
  maxOverAdmitted = 0;
  overAdmittedMs = 0;
  #overSince: number | undefined;

  constructor(servers: number, seats: number) {
    this.#held = Array.from({ length: servers }, () => []);
    this.#seats = seats;
  }

  add(server: number, tunnel: string): void {
    const list = this.#held[server];
    if (list === undefined) return;
    this.#index.set(tunnel, list.length);
    list.push(tunnel);
    this.total++;
    const excess = this.total - this.#seats;
    if (excess >= 0) this.filled++;
    if (excess > 0) {
      this.overAdmittedEvents++;
      this.maxOverAdmitted = Math.max(this.maxOverAdmitted, excess);
      this.#overSince ??= performance.now();
    }
  }

  remove(server: number, tunnel: string): void {
    const list = this.#held[server];
    const at = this.#index.get(tunnel);
    if (list === undefined || at === undefined) return;
    const last = list.pop() as string;
    if (last !== tunnel) {
      list[at] = last;
      this.#index.set(last, at);
    }
    this.#index.delete(tunnel);
    this.total--;
    if (this.#overSince !== undefined && this.total <= this.#seats) this.#closeOver();
  }

  pick(server: number, fraction: number): string | undefined {
    const list = this.#held[server] ?? [];
    return list[Math.floor(fraction * list.length)];
  }

  /** Ends the run: an over-admission still going counts until now. */
  settle(): void {
    if (this.#overSince !== undefined) this.#closeOver();
  }

  #closeOver(): void {
    this.overAdmittedMs += performance.now() - (this.#overSince ?? 0);
    this.#overSince = undefined;
  }
}

/** What a simulated server asks of the pool. A plain value is an answer given without waiting. */
export interface Gate {
  /** Whether the tunnel may come up. */
  connect: (server: number, tunnel: string) => boolean | Promise<boolean>;
  /** The tunnel went down: its seat is free. */
  disconnect: (server: number, tunnel: string) => void | Promise<void>;
}

export interface DriveOptions {
  servers: number;
  seats: number;
  /** Events each simulated server has in progress at once (tunnels connecting or leaving together). */
  concurrency: number;
  /** Events a server's loop handles between two yields to the event loop, when none waited. */
  batch: number;
  /** Events per second at most over the fleet (0: as fast as they go), so a run can span several heartbeats. */
  rate: number;
}

export interface DriveReport {
  admitted: number;
  denied: number;
  /**
   * Refusals although the pool had fewer tunnels up than seats (see `Ledger`) from the asking to
   * the answer: no gate, however exact, could have admitted a tunnel asked for while the pool was
   * full, or answered while it was, so those are not counted.
   */
  falseDenials: number;
  /**
   * Of those, the ones during which the tunnels up and the tunnels whose release the gate had not
   * finished filled the seats at some instant: seats free that the gate could not know of yet.
   */
  falseDenialsWhileReleasing: number;
  released: number;
  overAdmittedEvents: number;
  maxOverAdmitted: number;
  overAdmittedMs: number;
  /** Answers the gate could not give at once (a network round trip, for the peer every one). */
  waited: number;
  /** From asking the gate to its answer, admissions and refusals alike. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  ms: number;
}

/**
 * Plays the workload as a fleet does: every simulated server its own loop (`concurrency` of them),
 * all at once, each taking its server's events in order. Both gates are measured by this one
 * harness: the same events, the same concurrency, the same definitions.
 */
export async function drive(
  events: readonly WorkloadEvent[],
  options: DriveOptions,
  ledger: Ledger,
  gate: Gate,
): Promise<DriveReport> {
  const { servers, seats, concurrency, batch, rate } = options;
  const queues: number[][] = Array.from({ length: servers }, () => []);
  for (const [i, event] of events.entries()) queues[event.server]?.push(i);
  const cursors = new Array<number>(servers).fill(0);
  const nextOf = (server: number) => {
    const at = cursors[server] ?? 0;
    cursors[server] = at + 1;
    return at;
  };
  const latencies = new Float64Array(events.length);
  let decisions = 0;
  const counts = {
    waited: 0,
    admitted: 0,
    denied: 0,
    falseDenials: 0,
    falseDenialsWhileReleasing: 0,
    released: 0,
  };
  let releasing = 0;
  // Like `ledger.filled`, counting the tunnels whose release is on its way as still up.
  let claimedFilled = 0;

  // Written out in the loop rather than as async helpers: the lease fleet answers without waiting,
  // and a promise per event would make the harness, not the gate, what is measured.
  const answered = (
    server: number,
    tunnel: string,
    admitted: boolean,
    filledBefore: number,
    claimedBefore: number,
  ) => {
    const freeThroughout = ledger.total < seats && ledger.filled === filledBefore;
    const claimedFreeThroughout = ledger.total + releasing < seats && claimedFilled === claimedBefore;
    if (admitted) {
      counts.admitted++;
      ledger.add(server, tunnel);
      if (ledger.total + releasing >= seats) claimedFilled++;
    } else {
      counts.denied++;
      if (freeThroughout) counts.falseDenials++;
      if (freeThroughout && !claimedFreeThroughout) counts.falseDenialsWhileReleasing++;
    }
  };

  const start = performance.now();
  const loop = async (server: number) => {
    const queue = queues[server] ?? [];
    let sinceYield = 0;
    for (let at = nextOf(server); at < queue.length; at = nextOf(server)) {
      const i = queue[at] as number;
      const event = events[i] as WorkloadEvent;
      const ahead = rate > 0 ? (i * 1000) / rate - (performance.now() - start) : 0;
      if (ahead > 1) {
        await new Promise((resume) => setTimeout(resume, ahead));
        sinceYield = 0;
      } else if (++sinceYield >= batch) {
        // Heartbeats and their answers run between two batches of answers given without waiting.
        await new Promise((resume) => setImmediate(resume));
        sinceYield = 0;
      }
      if (event.connect) {
        const tunnel = `t${i}`;
        const filledBefore = ledger.total >= seats ? -1 : ledger.filled;
        const claimedBefore = ledger.total + releasing >= seats ? -1 : claimedFilled;
        const asked = performance.now();
        const answer = gate.connect(server, tunnel);
        if (typeof answer !== 'boolean') counts.waited++;
        const admitted = typeof answer === 'boolean' ? answer : await answer;
        latencies[decisions++] = performance.now() - asked;
        answered(server, tunnel, admitted, filledBefore, claimedBefore);
        continue;
      }
      const tunnel = ledger.pick(server, event.pick);
      if (tunnel === undefined) continue;
      // Down before the gate hears of it: another loop must neither pick it nor count its seat.
      ledger.remove(server, tunnel);
      const done = gate.disconnect(server, tunnel);
      if (done !== undefined) {
        releasing++;
        await done;
        releasing--;
      }
      counts.released++;
    }
  };
  await Promise.all(Array.from({ length: servers * concurrency }, (_, lane) => loop(lane % servers)));
  const ms = performance.now() - start;
  ledger.settle();
  const sorted = latencies.subarray(0, decisions).sort();
  return {
    ...counts,
    overAdmittedEvents: ledger.overAdmittedEvents,
    maxOverAdmitted: ledger.maxOverAdmitted,
    overAdmittedMs: ledger.overAdmittedMs,
    latencyP50Ms: percentile(sorted, 0.5),
    latencyP99Ms: percentile(sorted, 0.99),
    ms,
  };
}
