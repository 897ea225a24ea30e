import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export type Context = Record<string, string | number | boolean>;

/** How long the warm-up runs at least, and how long the timed run should last. */
const WARM_UP_MS = 250;
const TARGET_MS = 1000;

export const progress = (message: string): void => {
  process.stderr.write(`bench: ${message}\n`);
};

export const round = (value: number, digits = 0): number => Number(value.toFixed(digits));

/** One figure as one JSON line: the only thing the bench writes to stdout. */
export function emit(figure: string, value: number, unit: string, context: Context = {}): void {
  process.stdout.write(`${JSON.stringify({ figure, value, unit, ...context })}\n`);
}

/** Figures that could not be measured here: one JSON line each saying why, and the reason on stderr. */
export function skip(figures: readonly string[], reason: string): void {
  progress(`skipping ${figures.join(', ')}: ${reason}`);
  for (const figure of figures) process.stdout.write(`${JSON.stringify({ figure, skipped: reason })}\n`);
}

function run(fn: (i: number) => void, iterations: number): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  return performance.now() - start;
}

/** Warms fn up with doubling runs until one lasts WARM_UP_MS; returns the iterations for TARGET_MS. */
function calibrate(fn: (i: number) => void): number {
  for (let iterations = 1; ; iterations *= 2) {
    const ms = run(fn, iterations);
    if (ms >= WARM_UP_MS) return Math.ceil((iterations / ms) * TARGET_MS);
  }
}

/** Times about a second of calls to fn after a warm-up and prints the calls per second. */
export function measure(name: string, fn: (i: number) => void, context: Context = {}): void {
  progress(`measuring ${name}`);
  const iterations = calibrate(fn);
  const ms = run(fn, iterations);
  emit(name, Math.round((iterations * 1000) / ms), 'ops/s', {
    iterations,
    duration_ms: round(ms, 1),
    ...context,
  });
}

/** Nearest-rank percentile of values sorted ascending. */
export const percentile = (sorted: ArrayLike<number>, p: number): number =>
  sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;

export async function withTempDir<T>(prefix: string, use: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Node's http client with keep-alive: lighter than fetch, so less of the shared CPU goes to the client.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function postJson(
  url: URL,
  body: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = {
      ...extraHeaders,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Runs task over items with at most `concurrency` in flight; results keep the items' order. */
export async function inPool<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i] as T);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}
