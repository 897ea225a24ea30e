import { Redis } from 'ioredis';
import { Semaphore } from 'redis-semaphore';
import { drive, type FleetCounters, type FleetOptions, Ledger, workload } from './fleet.js';
import { progress } from './support.js';

export interface PeerReport extends FleetCounters {
  peer: 'redis-semaphore';
  servers: number;
  seats: number;
  events: number;
  admissionsPerSecond: number;
  durationMs: number;
}

/**
 * The peer: the same workload, with every simulated server taking and giving back seats through a
 * redis-semaphore on the machine's Redis as the shared counter, one semaphore lock per tunnel.
 */
export async function runRedisPeer(
  options: FleetOptions,
  url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
): Promise<PeerReport> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const key = `seatkeeper-bench-${process.pid}-${Date.now()}`;
  const locks = new Map<string, Semaphore>();
  try {
    progress(`redis-semaphore: ${options.servers} servers, ${options.seats} seats, ${options.events} events`);
    const counters = await drive(workload(options), options, new Ledger(options.servers), {
      connect: async (_server, tunnel) => {
        // Locks outlive the run and are not refreshed: the run measures taking and giving back seats.
        const semaphore = new Semaphore(redis, key, options.seats, {
          lockTimeout: 600_000,
          retryInterval: 0,
          refreshInterval: 0,
          acquireAttemptsLimit: 1,
        });
        if (!(await semaphore.tryAcquire())) return false;
        locks.set(tunnel, semaphore);
        return true;
      },
      disconnect: async (_server, tunnel) => {
        await locks.get(tunnel)?.release();
        locks.delete(tunnel);
      },
    });
    return {
      peer: 'redis-semaphore',
      servers: options.servers,
      seats: options.seats,
      events: options.events,
      ...counters,
      admissionsPerSecond: Math.round((counters.admitted * 1000) / counters.ms),
      durationMs: Math.round(counters.ms),
    };
  } finally {
    await redis.del(key).catch(() => undefined);
    redis.disconnect();
  }
}
