import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent } from '../src/agent/agent.js';
import { readVendorKey } from '../src/agent/installation.js';
import { systemClock } from '../src/domain/clock.js';
import type { EnforcementMode } from '../src/domain/pools.js';
import { unwrap } from '../src/service/http/problem.js';
import { openContext } from '../src/service/runtime.js';
import {
  type CreateSubscriptionInput,
  createSubscription,
  type SubscriptionView,
} from '../src/service/subscriptions/lifecycle.js';
import { accountWithKey, machine } from '../test/support/factories.js';
import { type ServiceProcess, startService } from '../test/support/service-process.js';
import { emit, progress, round, withTempDir } from './support.js';

export interface FleetOptions {
  servers: number;
  seats: number;
  events: number;
  mode: EnforcementMode;
  /** How often each simulated server sends its heartbeat. */
  heartbeatMs: number;
  /** Events handled between two yields to the event loop, where heartbeats and their answers run. */
  batch: number;
  /** Events per second at most (0: as fast as they go), so a run can span several heartbeats. */
  rate: number;
  seed: number;
}

export const DEFAULT_FLEET: FleetOptions = {
  servers: 20,
  seats: 200,
  events: 20_000,
  mode: 'lease',
  heartbeatMs: 1000,
  batch: 50,
  rate: 0,
  seed: 7,
};

export interface WorkloadEvent {
  server: number;
  connect: boolean;
  /** For a disconnect: which of the server's tunnels, as a fraction of how many it holds. */
  pick: number;
}

/** A deterministic workload: both sides of a comparison see the same events in the same order. */
export function workload(options: Pick<FleetOptions, 'servers' | 'events' | 'seed'>): WorkloadEvent[] {
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

export interface FleetCounters {
  admitted: number;
  denied: number;
  released: number;
  /** Events after which the pool held more tunnels than seats, the largest excess, and for how long. */
  overAdmittedEvents: number;
  maxOverAdmitted: number;
  overAdmittedMs: number;
}

/** The tunnels each simulated server holds, with O(1) add, remove and random pick. */
export class Ledger {
  readonly #held: string[][];
  readonly #index = new Map<string, number>();
  total = 0;

  constructor(servers: number) {
    this.#held = Array.from({ length: servers }, () => []);
  }

  add(server: number, tunnel: string): void {
    const list = this.#held[server];
    if (list === undefined) return;
    this.#index.set(tunnel, list.length);
    list.push(tunnel);
    this.total++;
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
  }

  pick(server: number, fraction: number): string | undefined {
    const list = this.#held[server] ?? [];
    return list[Math.floor(fraction * list.length)];
  }
}

/** Runs the workload through `gate`, checking after every event that the pool is not over. */
export async function drive(
  events: readonly WorkloadEvent[],
  { seats, batch, rate }: Pick<FleetOptions, 'seats' | 'batch' | 'rate'>,
  ledger: Ledger,
  gate: {
    connect: (server: number, tunnel: string) => boolean | Promise<boolean>;
    disconnect: (server: number, tunnel: string) => void | Promise<void>;
  },
): Promise<FleetCounters & { ms: number }> {
  const counters: FleetCounters = {
    admitted: 0,
    denied: 0,
    released: 0,
    overAdmittedEvents: 0,
    maxOverAdmitted: 0,
    overAdmittedMs: 0,
  };
  let overSince: number | undefined;
  const start = performance.now();
  for (const [i, event] of events.entries()) {
    if (event.connect) {
      const tunnel = `t${i}`;
      if (await gate.connect(event.server, tunnel)) {
        counters.admitted++;
        ledger.add(event.server, tunnel);
      } else counters.denied++;
    } else {
      const tunnel = ledger.pick(event.server, event.pick);
      if (tunnel !== undefined) {
        await gate.disconnect(event.server, tunnel);
        ledger.remove(event.server, tunnel);
        counters.released++;
      }
    }
    const excess = ledger.total - seats;
    if (excess > 0) {
      counters.overAdmittedEvents++;
      counters.maxOverAdmitted = Math.max(counters.maxOverAdmitted, excess);
      overSince ??= performance.now();
    } else if (overSince !== undefined) {
      counters.overAdmittedMs += performance.now() - overSince;
      overSince = undefined;
    }
    if (i % batch === batch - 1) {
      const ahead = rate > 0 ? ((i + 1) * 1000) / rate - (performance.now() - start) : 0;
      await new Promise((resume) => (ahead > 1 ? setTimeout(resume, ahead) : setImmediate(resume)));
    }
  }
  if (overSince !== undefined) counters.overAdmittedMs += performance.now() - overSince;
  return { ...counters, ms: performance.now() - start };
}

/** CPU seconds a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export interface FleetReport extends FleetCounters {
  mode: EnforcementMode;
  servers: number;
  seats: number;
  events: number;
  admissionsPerSecond: number;
  disconnectsOrdered: number;
  heartbeats: number;
  heartbeatsPerSecond: number;
  serviceCpuSeconds: number;
  serviceCpuPercent: number;
  durationMs: number;
  /** Tunnels above the seats once the heartbeats had two intervals after the last event. */
  settledExcess: number;
}

/** A subscription of a new account, made straight in the store of `dataDir` before a service runs on it. */
export async function subscriptionIn(
  dataDir: string,
  input: Omit<CreateSubscriptionInput, 'accountId' | 'period'>,
): Promise<SubscriptionView> {
  const ctx = await openContext(
    { dataDir, databaseUrl: undefined, certificateTtlMs: 86_400_000 },
    systemClock,
  );
  try {
    const { accountId } = await accountWithKey(ctx);
    return unwrap(await createSubscription(ctx, { ...input, accountId, period: 'yearly' }));
  } finally {
    await ctx.store.close();
  }
}

/**
 * N simulated servers, each a real Agent with its own state directory and machine, in one pool of
 * a real service over HTTP, doing the workload's connects and disconnects.
 */
export async function runFleet(options: FleetOptions): Promise<FleetReport> {
  return withTempDir('seatkeeper-fleet-', async (dir) => {
    const dataDir = join(dir, 'data');
    const subscription = await subscriptionIn(dataDir, {
      connections: options.seats,
      mode: options.mode,
      heartbeatIntervalMs: options.heartbeatMs,
    });

    const service: ServiceProcess = await startService({ dataDir, args: ['--log-level', 'warn'] });
    // The key `serve` writes for agents to be installed with.
    const vendorKey = unwrap(readVendorKey(join(dataDir, 'vendor.pem')));
    const agents: Agent[] = [];
    let heartbeats = 0;
    let disconnectsOrdered = 0;
    const timers: NodeJS.Timeout[] = [];
    try {
      for (let i = 0; i < options.servers; i++) {
        const agent = new Agent({
          stateDir: join(dir, `server-${i}`),
          clock: systemClock,
          machine: machine(`fleet-${i}`),
          vendorKeys: [vendorKey],
        });
        unwrap(await agent.joinSubscription(subscription.key, service.url));
        agents.push(agent);
      }
      const ledger = new Ledger(options.servers);
      const beat = async (agent: Agent, server: number) => {
        const answer = await agent.heartbeat();
        heartbeats++;
        if (!answer.ok) return;
        disconnectsOrdered += answer.value.disconnected.length;
        for (const tunnel of answer.value.disconnected) ledger.remove(server, tunnel);
      };
      for (const [server, agent] of agents.entries())
        timers.push(setInterval(() => void beat(agent, server), options.heartbeatMs));
      progress(
        `fleet: ${options.servers} servers, ${options.seats} seats, ${options.events} events, ${options.mode}`,
      );
      const cpuBefore = cpuSeconds(service.child.pid);
      const counters = await drive(workload(options), options, ledger, {
        connect: (server, tunnel) => agents[server]?.admit({ id: tunnel }).admitted ?? false,
        disconnect: (server, tunnel) => {
          agents[server]?.release(tunnel);
        },
      });
      const cpu = cpuSeconds(service.child.pid) - cpuBefore;
      // Reconcile: give the heartbeats two intervals to bring the pool back, then look again.
      if (options.mode === 'reconcile')
        await new Promise((resume) => setTimeout(resume, options.heartbeatMs * 2 + 100));
      const settledExcess = Math.max(0, ledger.total - options.seats);
      return {
        mode: options.mode,
        servers: options.servers,
        seats: options.seats,
        events: options.events,
        ...counters,
        admissionsPerSecond: Math.round((counters.admitted * 1000) / counters.ms),
        disconnectsOrdered,
        heartbeats,
        heartbeatsPerSecond: Math.round((heartbeats * 1000) / counters.ms),
        serviceCpuSeconds: cpu,
        serviceCpuPercent: Math.round((cpu * 100_000) / counters.ms),
        durationMs: Math.round(counters.ms),
        settledExcess,
      };
    } finally {
      for (const timer of timers) clearInterval(timer);
      await service.stop();
    }
  });
}

/** The lease fleet and the redis-semaphore peer on one workload, and how they compare. */
export async function benchFleetVersusRedis(
  runPeer: (
    options: FleetOptions,
  ) => Promise<{ admissionsPerSecond: number; denied: number; overAdmittedEvents: number }>,
): Promise<void> {
  const options: FleetOptions = { ...DEFAULT_FLEET, servers: 10, seats: 100, events: 20_000, mode: 'lease' };
  const context = { servers: options.servers, seats: options.seats, events: options.events };
  const ours = await runFleet(options);
  emit('fleet_lease_admissions_per_second', ours.admissionsPerSecond, 'ops/s', {
    ...context,
    denied: ours.denied,
    over_admitted_events: ours.overAdmittedEvents,
  });
  const peer = await runPeer(options);
  emit('redis_semaphore_admissions_per_second', peer.admissionsPerSecond, 'ops/s', {
    ...context,
    denied: peer.denied,
    over_admitted_events: peer.overAdmittedEvents,
  });
  emit(
    'lease_vs_redis_semaphore_ratio',
    round(ours.admissionsPerSecond / peer.admissionsPerSecond, 1),
    'x',
    context,
  );
}
