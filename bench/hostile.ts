import http from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startService } from '../test/support/service-process.js';
import { emit, percentile, progress, round, withTempDir } from './support.js';

const HOSTILE_CLIENTS = 4;
const DURATION_MS = 5_000;
const NESTING = 4_900_000;

/** What a hostile client sends, again and again: the largest bodies each kind of limit lets through. */
const HOSTILE_BODIES = {
  // The report's body: 9.8 MB nested millions deep, streamed without a length to be judged by.
  deeply_nested: Buffer.from(`${'['.repeat(NESTING)}${']'.repeat(NESTING)}`),
  // A flat heartbeat as large as the route accepts, with a key that was never issued.
  largest_heartbeat: Buffer.from(
    JSON.stringify({
      key: `sks_${'a'.repeat(43)}`,
      serverId: `srv_${'0'.repeat(26)}`,
      sequence: 1,
      sentAt: Date.now(),
      tunnels: Array.from({ length: 50_000 }, (_, i) => ({
        id: `tunnel-${String(i).padStart(57, '0')}`,
        connectedAt: Number.MAX_SAFE_INTEGER,
      })),
    }),
  ),
};

/** Sends one body in chunks and waits for the answer, or for the service to close on it. */
function upload(url: URL, body: Buffer): Promise<void> {
  return new Promise((done) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    request.on('response', (response) => {
      response.resume();
      response.on('end', done);
    });
    request.on('error', () => done());
    // Written, then ended: sent chunked, with no declared length to refuse it by.
    request.write(body);
    request.end();
  });
}

async function get(url: URL): Promise<number> {
  const start = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`);
  return performance.now() - start;
}

/** /healthz latency while four clients keep sending hostile bodies to /v1/heartbeats. */
export async function benchHostileUploads(): Promise<void> {
  await withTempDir('seatkeeper-bench-hostile-', async (dir) => {
    const service = await startService({ dataDir: join(dir, 'data'), args: ['--log-level', 'warn'] });
    try {
      const heartbeats = new URL('/v1/heartbeats', service.url);
      const healthz = new URL('/healthz', service.url);
      const kinds = Object.keys(HOSTILE_BODIES) as (keyof typeof HOSTILE_BODIES)[];
      progress(`measuring /healthz for ${DURATION_MS} ms under ${HOSTILE_CLIENTS} hostile uploads`);
      const end = performance.now() + DURATION_MS;
      let uploads = 0;
      const clients = Array.from({ length: HOSTILE_CLIENTS }, async (_, i) => {
        const body = HOSTILE_BODIES[kinds[i % kinds.length] ?? 'deeply_nested'];
        while (performance.now() < end) {
          await upload(heartbeats, body);
          uploads++;
        }
      });
      const latencies: number[] = [];
      while (performance.now() < end) latencies.push(await get(healthz));
      await Promise.all(clients);
      latencies.sort((a, b) => a - b);
      emit('healthz_latency_under_hostile_uploads_p99', round(percentile(latencies, 0.99), 1), 'ms', {
        p50_ms: round(percentile(latencies, 0.5), 1),
        p99_ms: round(percentile(latencies, 0.99), 1),
        probes: latencies.length,
        hostile_clients: HOSTILE_CLIENTS,
        hostile_bodies: kinds.join('+'),
        hostile_uploads: uploads,
      });
    } finally {
      await service.stop();
    }
  });
}
