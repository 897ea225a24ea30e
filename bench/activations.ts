import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/domain/clock.js';
import { newId } from '../src/domain/ids.js';
import { createAccount } from '../src/service/accounts/operations.js';
import { activate as activateOperation } from '../src/service/activation/operations.js';
import type { ServiceContext } from '../src/service/context.js';
import { unwrap } from '../src/service/http/problem.js';
import { issueLicense } from '../src/service/licenses/operations.js';
import { openContext } from '../src/service/runtime.js';
import { machine, nonce } from '../test/support/factories.js';
import {
  type BenchStore,
  type Deployment,
  figureSuffix,
  SQLITE,
  serviceFor,
  startServices,
  withStore,
} from './deployment.js';
import { emit, inPool, percentile, postJson, progress, round, withTempDir } from './support.js';

const KEYS = 2000;
const WARM_UP_KEYS = 50;
const CONCURRENCY = 32;

interface Outcome {
  ms: number;
  /** Status and body of a request that did not answer 201. */
  failure?: string;
}

const CERTIFICATE_TTL_MS = 7 * 86_400_000;

async function issueKeysWith(ctx: ServiceContext, count: number): Promise<string[]> {
  const { account } = unwrap(await createAccount(ctx, { email: 'bench@example.com' }));
  const keys: string[] = [];
  for (let i = 0; i < count; i++)
    keys.push(unwrap(await issueLicense(ctx, { accountId: account.id, connections: 10 })).key);
  return keys;
}

/** Issues keys straight through the operations, before the service runs on the same store. */
async function issueKeys(store: BenchStore, count: number): Promise<string[]> {
  const ctx = await openContext({ ...store, certificateTtlMs: CERTIFICATE_TTL_MS }, systemClock);
  try {
    return await issueKeysWith(ctx, count);
  } finally {
    await ctx.store.close();
  }
}

/** The activation operation alone, one after another, on the same store: what HTTP adds is the difference. */
export async function benchActivationOperation(): Promise<void> {
  await withTempDir('seatkeeper-bench-operation-', async (dataDir) => {
    const ctx = await openContext(
      { dataDir, databaseUrl: undefined, certificateTtlMs: CERTIFICATE_TTL_MS },
      systemClock,
    );
    try {
      progress(`issuing ${KEYS} keys for the in-process activations`);
      const requests = (await issueKeysWith(ctx, KEYS)).map((key, i) => ({
        key,
        serverId: newId('srv', Date.now()),
        fingerprint: machine(i),
        nonce: nonce(),
      }));
      const start = performance.now();
      for (const request of requests) unwrap(await activateOperation(ctx, request));
      const ms = performance.now() - start;
      emit('activations_per_second_in_process_sqlite', round((KEYS * 1000) / ms, 1), 'ops/s', {
        requests: KEYS,
        duration_ms: round(ms, 1),
        synchronous: 'full',
      });
    } finally {
      await ctx.store.close();
    }
  });
}

/** A first activation of `key` by its own server and machine. */
const activationBody = (key: string, seed: number): string =>
  JSON.stringify({ key, serverId: newId('srv', Date.now()), fingerprint: machine(seed), nonce: nonce() });

async function activate(url: string, body: string): Promise<Outcome> {
  const start = performance.now();
  try {
    const { status, text } = await postJson(new URL('/v1/activations', url), body);
    const ms = performance.now() - start;
    return status === 201 ? { ms } : { ms, failure: `${status} ${text}` };
  } catch (error) {
    return { ms: performance.now() - start, failure: String(error) };
  }
}

function report(deployment: Deployment, outcomes: Outcome[], ms: number, failures: number): void {
  const suffix = figureSuffix(deployment);
  const { engine, processes } = deployment;
  const context = { requests: outcomes.length, concurrency: CONCURRENCY, failures, engine, processes };
  const latencies = outcomes.map((outcome) => outcome.ms).sort((a, b) => a - b);
  emit(`activations_per_second_http_${suffix}`, round((outcomes.length * 1000) / ms, 1), 'ops/s', {
    ...context,
    duration_ms: round(ms, 1),
  });
  // SQLite's latency figures keep the names they always had.
  const latencySuffix = suffix === 'sqlite' ? '' : `_${suffix}`;
  for (const p of [50, 99])
    emit(
      `activation_latency_p${p}_ms${latencySuffix}`,
      round(percentile(latencies, p / 100), 3),
      'ms',
      context,
    );
}

/**
 * POST /v1/activations against real `seatkeeper serve` processes, one fresh key each: one process
 * on SQLite, or one or more on PostgreSQL with the requests spread over them in turn.
 */
export async function benchActivations(deployment: Deployment = SQLITE): Promise<void> {
  const suffix = figureSuffix(deployment);
  await withStore(deployment.engine, 'seatkeeper-bench-service-', async (store) => {
    progress(`issuing ${KEYS + WARM_UP_KEYS} keys (${suffix})`);
    const bodies = (await issueKeys(store, KEYS + WARM_UP_KEYS)).map(activationBody);
    const services = await startServices(store, deployment.processes, []);
    try {
      let next = 0;
      const post = (body: string) => activate(serviceFor(services, next++).url, body);
      progress(`warming up with ${WARM_UP_KEYS} activations`);
      const warmUp = await inPool(bodies.slice(KEYS), CONCURRENCY, post);
      progress(`measuring ${KEYS} activations at concurrency ${CONCURRENCY} (${suffix})`);
      const start = performance.now();
      const outcomes = await inPool(bodies.slice(0, KEYS), CONCURRENCY, post);
      const ms = performance.now() - start;
      const failed = [...warmUp, ...outcomes].filter((outcome) => outcome.failure !== undefined);
      report(deployment, outcomes, ms, failed.length);
      if (failed.length > 0)
        throw new Error(`${failed.length} activations did not answer 201; first: ${failed[0]?.failure}`);
    } finally {
      await services.stopAll();
    }
  });
}
