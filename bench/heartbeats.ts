import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { newId } from '../src/domain/ids.js';
import { machine } from '../test/support/factories.js';
import { startService } from '../test/support/service-process.js';
import { cpuSeconds, subscriptionIn } from './fleet.js';
import { emit, inPool, postJson, progress, round, withTempDir } from './support.js';

const SERVERS = 200;
const TUNNELS_PER_SERVER = 10;
const HEARTBEATS = 20_000;
const CONCURRENCY = 32;

/** Heartbeats of many pool members, as fast as one service process on SQLite answers them. */
export async function benchHeartbeats(): Promise<void> {
  await withTempDir('seatkeeper-bench-heartbeats-', async (dir) => {
    const dataDir = join(dir, 'data');
    const { key } = await subscriptionIn(dataDir, { connections: SERVERS * TUNNELS_PER_SERVER });

    const service = await startService({ dataDir, args: ['--log-level', 'warn'] });
    try {
      const servers = Array.from({ length: SERVERS }, (_, i) => newId('srv', Date.now() + i));
      progress(`joining ${SERVERS} servers to one pool`);
      await inPool(servers, CONCURRENCY, async (serverId) => {
        const body = JSON.stringify({ key, serverId, fingerprint: machine(serverId) });
        const { status, text } = await postJson(new URL('/v1/subscriptions/activations', service.url), body);
        if (status !== 200) throw new Error(`join answered ${status}: ${text}`);
      });
      const connectedAt = Date.now() - 60_000;
      const tunnels = Array.from({ length: TUNNELS_PER_SERVER }, (_, i) => ({
        id: `tunnel-${i}`,
        connectedAt: connectedAt + i,
      }));
      const beats = Array.from({ length: HEARTBEATS }, (_, i) => ({
        serverId: servers[i % SERVERS] ?? '',
        sequence: Math.floor(i / SERVERS) + 1,
      }));
      progress(`measuring ${HEARTBEATS} heartbeats at concurrency ${CONCURRENCY}`);
      const cpuBefore = cpuSeconds(service.child.pid);
      const clientBefore = process.cpuUsage();
      const start = performance.now();
      const statuses = await inPool(beats, CONCURRENCY, async ({ serverId, sequence }) => {
        const body = JSON.stringify({ key, serverId, sequence, sentAt: Date.now(), tunnels });
        return (await postJson(new URL('/v1/heartbeats', service.url), body)).status;
      });
      const ms = performance.now() - start;
      const cpu = cpuSeconds(service.child.pid) - cpuBefore;
      const client = process.cpuUsage(clientBefore);
      const failures = statuses.filter((status) => status !== 200).length;
      emit('heartbeats_per_second_http_sqlite', round((HEARTBEATS * 1000) / ms, 1), 'ops/s', {
        heartbeats: HEARTBEATS,
        servers: SERVERS,
        tunnels_each: TUNNELS_PER_SERVER,
        concurrency: CONCURRENCY,
        failures,
        service_cpu_percent: round((cpu * 100_000) / ms),
        client_cpu_percent: round((client.user + client.system) / 10 / ms),
        log_level: 'warn',
      });
      if (failures > 0) throw new Error(`${failures} heartbeats did not answer 200`);
    } finally {
      await service.stop();
    }
  });
}
