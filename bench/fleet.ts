import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
import type { BenchStore } from './deployment.js';
import { emit, progress, round, withTempDir } from './support.js';
import { type DriveOptions, type DriveReport, drive, Ledger, workload } from './workload.js';

export interface FleetOptions extends DriveOptions {
  events: number;
  mode: EnforcementMode;
  /** How often each simulated server sends its heartbeat. */
  heartbeatMs: number;
  seed: number;
}

export const DEFAULT_FLEET: FleetOptions = {
  servers: 20,
  seats: 200,
  events: 20_000,
  mode: 'lease',
  heartbeatMs: 1000,
  concurrency: 1,
  batch: 50,
  rate: 0,
  seed: 7,
};

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

export interface FleetReport extends Omit<DriveReport, 'ms'> {
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

/** A subscription of a new account, made straight in the store before a service runs on it. */
export async function subscriptionIn(
  store: BenchStore,
  input: Omit<CreateSubscriptionInput, 'accountId' | 'period'>,
): Promise<SubscriptionView> {
  const ctx = await openContext({ ...store, certificateTtlMs: 86_400_000 }, systemClock);
  try {
    const { accountId } = await accountWithKey(ctx);
    return unwrap(await createSubscription(ctx, { ...input, accountId, period: 'yearly' }));
  } finally {
    await ctx.store.close();
  }
}

/**
 * What the OpenVPN gatekeeper does with a connecting client: admit in memory; if the lease is full,
 * ask the pool for more at once (the client waits meanwhile) and try again.
 */
function admitAsGatekeeper(agent: Agent | undefined, tunnel: string): boolean | Promise<boolean> {
  if (agent === undefined) return false;
  if (agent.admit({ id: tunnel }).admitted) return true;
  return agent
    .topUp()
    .catch(() => false)
    .then((more) => more && agent.admit({ id: tunnel }).admitted);
}

/**
 * N simulated servers, each a real Agent with its own state directory and machine, in one pool of
 * a real service over HTTP, doing the workload's connects and disconnects.
 */
export async function runFleet(options: FleetOptions): Promise<FleetReport> {
  return withTempDir('seatkeeper-fleet-', async (dir) => {
    const dataDir = join(dir, 'data');
    const subscription = await subscriptionIn(
      { dataDir, databaseUrl: undefined },
      {
        connections: options.seats,
        mode: options.mode,
        heartbeatIntervalMs: options.heartbeatMs,
      },
    );

    const service: ServiceProcess = await startService({ dataDir, args: ['--log-level', 'warn'] });
    // The key `serve` writes for agents to be installed with.
    const vendorKey = unwrap(readVendorKey(join(dataDir, 'vendor.pem')));
    const agents: Agent[] = [];
    let heartbeats = 0;
    let disconnectsOrdered = 0;
    const stops: (() => void)[] = [];
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
      const ledger = new Ledger(options.servers, options.seats);
      // As `agent run` does: each agent heartbeats on its own, and tunnels ordered off go down.
      for (const [server, agent] of agents.entries())
        stops.push(
          agent.startHeartbeats((answer) => {
            heartbeats++;
            if (!answer.ok) return;
            disconnectsOrdered += answer.value.disconnected.length;
            for (const tunnel of answer.value.disconnected) ledger.remove(server, tunnel);
          }),
        );
      progress(
        `fleet: ${options.servers} servers x ${options.concurrency}, ${options.seats} seats, ${options.events} events, ${options.mode}`,
      );
      const cpuBefore = cpuSeconds(service.child.pid);
      const counters = await drive(workload(options), options, ledger, {
        connect: (server, tunnel) => admitAsGatekeeper(agents[server], tunnel),
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
      for (const stop of stops) stop();
      await service.stop();
    }
  });
}

/**
 * The comparison's workload: 10 servers with 5 tunnels in progress each, 50 at once over the pool.
 * Long enough that the lease fleet's first second (leases filling, code warming) is not all of it.
 */
export const VERSUS_REDIS: FleetOptions = {
  ...DEFAULT_FLEET,
  servers: 10,
  seats: 100,
  concurrency: 5,
  events: 300_000,
  mode: 'lease',
};

type Measured = Pick<
  FleetReport,
  | 'admissionsPerSecond'
  | 'admitted'
  | 'denied'
  | 'falseDenials'
  | 'falseDenialsWhileReleasing'
  | 'overAdmittedEvents'
  | 'maxOverAdmitted'
  | 'latencyP50Ms'
  | 'latencyP99Ms'
>;

/** One side's figures: throughput, then latency, false denials and over-admissions as their own lines. */
function emitSide(prefix: string, side: Measured, context: Record<string, number>): void {
  emit(`${prefix}_admissions_per_second`, side.admissionsPerSecond, 'ops/s', {
    ...context,
    admitted: side.admitted,
    denied: side.denied,
  });
  emit(`${prefix}_admission_p50_ms`, round(side.latencyP50Ms, 4), 'ms', context);
  emit(`${prefix}_admission_p99_ms`, round(side.latencyP99Ms, 4), 'ms', context);
  emit(`${prefix}_false_denials`, side.falseDenials, 'refusals', {
    ...context,
    denied: side.denied,
    while_releases_on_their_way: side.falseDenialsWhileReleasing,
  });
  emit(`${prefix}_over_admissions`, side.overAdmittedEvents, 'admissions', {
    ...context,
    max_over_seats: side.maxOverAdmitted,
  });
}

/** The lease fleet and the redis-semaphore peer, equally concurrent on one workload, and how they compare. */
export async function benchFleetVersusRedis(
  runPeer: (options: FleetOptions) => Promise<Measured>,
  options: FleetOptions = VERSUS_REDIS,
): Promise<void> {
  const context = {
    servers: options.servers,
    concurrency_each: options.concurrency,
    seats: options.seats,
    events: options.events,
  };
  const ours = await runFleet(options);
  emitSide('fleet_lease', ours, context);
  const peer = await runPeer(options);
  emitSide('redis_semaphore', peer, context);
  emit('lease_vs_redis_semaphore_ratio', round(ours.admissionsPerSecond / peer.admissionsPerSecond, 1), 'x', {
    ...context,
    over_admissions: ours.overAdmittedEvents,
  });
}
