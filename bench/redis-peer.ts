import { Redis } from 'ioredis';
import { Semaphore } from 'redis-semaphore';
import type { FleetOptions } from './fleet.js';
import { progress } from './support.js';
import { type DriveReport, drive, Ledger, workload } from './workload.js';

export interface PeerReport extends Omit<DriveReport, 'ms'> {
  peer: 'redis-semaphore';
  servers: number;
  seats: number;
  events: number;
  admissionsPerSecond: number;
  durationMs: number;
}

/**
 * The peer: the same workload, with every simulated server taking and giving back seats through a
 * redis-semaphore on the machine's Redis as the shared counter, one semaphore lock per tunnel, as
 * its README shows: default lock timeout and refresh (a tunnel lasts as long as it likes), and
 * `tryAcquire` with one attempt (its "optional lock" example), since a connecting client is
 * admitted or refused at once, as by the lease fleet; no retry interval, which the library would
 * otherwise wait out after that one attempt before answering no.
 * All servers share one connection, which is the fastest way here (ioredis pipelines the
 * concurrent requests on it); `connections: 'per-server'` gives each its own.
 */
export async function runRedisPeer(
  options: FleetOptions,
  { url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', connections = 'shared' } = {},
): Promise<PeerReport> {
  const count = connections === 'shared' ? 1 : options.servers;
  const clients = Array.from(
    { length: count },
    () => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 }),
  );
  await Promise.all(clients.map((client) => client.connect()));
  const key = `seatkeeper-bench-${process.pid}-${Date.now()}`;
  const locks = new Map<string, Semaphore>();
  try {
    progress(
      `redis-semaphore: ${options.servers} servers x ${options.concurrency}, ${options.seats} seats, ${options.events} events, ${count} connection(s)`,
    );
    const counters = await drive(workload(options), options, new Ledger(options.servers, options.seats), {
      connect: async (server, tunnel) => {
        const redis = clients[server % count] as Redis;
        const semaphore = new Semaphore(redis, key, options.seats, {
          acquireAttemptsLimit: 1,
          retryInterval: 0,
        });
        locks.set(tunnel, semaphore);
        if (await semaphore.tryAcquire()) return true;
        locks.delete(tunnel);
        return false;
      },
      disconnect: async (_server, tunnel) => {
        const semaphore = locks.get(tunnel);
        locks.delete(tunnel);
        await semaphore?.release();
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
    for (const semaphore of locks.values()) semaphore.stopRefresh();
    await clients[0]?.del(`semaphore:${key}`).catch(() => undefined);
    for (const client of clients) client.disconnect();
  }
}
