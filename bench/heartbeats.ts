import { performance } from 'node:perf_hooks';
import { newId } from '../src/domain/ids.js';
import { machine } from '../test/support/factories.js';
import { type Deployment, figureSuffix, SQLITE, serviceFor, startServices, withStore } from './deployment.js';
import { cpuSeconds, subscriptionIn } from './fleet.js';
import { emit, inPool, postJson, progress, round } from './support.js';

const SERVERS = 200;
const TUNNELS_PER_SERVER = 10;
/** Fewer on PostgreSQL, where each takes longer: the figure is a rate, not a total. */
const heartbeatsOn = (deployment: Deployment): number => (deployment.engine === 'sqlite' ? 20_000 : 5_000);
const CONCURRENCY = 32;

/**
 * Heartbeats of many pool members, as fast as the service answers them: one process on SQLite,
 * or one or more on PostgreSQL with the requests spread over them in turn (the total is reported).
 */
export async function benchHeartbeats(deployment: Deployment = SQLITE): Promise<void> {
  const suffix = figureSuffix(deployment);
  const heartbeats = heartbeatsOn(deployment);
  await withStore(deployment.engine, 'seatkeeper-bench-heartbeats-', async (store) => {
    const { key } = await subscriptionIn(store, { connections: SERVERS * TUNNELS_PER_SERVER });

    const services = await startServices(store, deployment.processes);
    try {
      const servers = Array.from({ length: SERVERS }, (_, i) => newId('srv', Date.now() + i));
      progress(`joining ${SERVERS} servers to one pool (${suffix})`);
      await inPool(
        servers.map((serverId, i) => ({ serverId, i })),
        CONCURRENCY,
        async ({ serverId, i }) => {
          const body = JSON.stringify({ key, serverId, fingerprint: machine(serverId) });
          const url = new URL('/v1/subscriptions/activations', serviceFor(services, i).url);
          const { status, text } = await postJson(url, body);
          if (status !== 200) throw new Error(`join answered ${status}: ${text}`);
        },
      );
      const connectedAt = Date.now() - 60_000;
      const tunnels = Array.from({ length: TUNNELS_PER_SERVER }, (_, i) => ({
        id: `tunnel-${i}`,
        connectedAt: connectedAt + i,
      }));
      const beats = Array.from({ length: heartbeats }, (_, i) => ({
        i,
        serverId: servers[i % SERVERS] ?? '',
        sequence: Math.floor(i / SERVERS) + 1,
      }));
      progress(`measuring ${heartbeats} heartbeats at concurrency ${CONCURRENCY} (${suffix})`);
      const pids = services.map((service) => service.child.pid);
      const cpuBefore = pids.map(cpuSeconds);
      const clientBefore = process.cpuUsage();
      const start = performance.now();
      const statuses = await inPool(beats, CONCURRENCY, async ({ i, serverId, sequence }) => {
        const body = JSON.stringify({ key, serverId, sequence, sentAt: Date.now(), tunnels });
        return (await postJson(new URL('/v1/heartbeats', serviceFor(services, i).url), body)).status;
      });
      const ms = performance.now() - start;
      const cpu = pids.reduce<number>((sum, pid, i) => sum + cpuSeconds(pid) - (cpuBefore[i] ?? 0), 0);
      const client = process.cpuUsage(clientBefore);
      const failures = statuses.filter((status) => status !== 200).length;
      emit(`heartbeats_per_second_http_${suffix}`, round((heartbeats * 1000) / ms, 1), 'ops/s', {
        heartbeats: heartbeats,
        servers: SERVERS,
        tunnels_each: TUNNELS_PER_SERVER,
        concurrency: CONCURRENCY,
        processes: deployment.processes,
        failures,
        service_cpu_percent: round((cpu * 100_000) / ms),
        client_cpu_percent: round((client.user + client.system) / 10 / ms),
        log_level: 'warn',
      });
      if (failures > 0) throw new Error(`${failures} heartbeats did not answer 200`);
    } finally {
      await services.stopAll();
    }
  });
}
