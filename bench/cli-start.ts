import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BUNDLE, isBundleCurrent } from '../scripts/bundle-state.mjs';
import { CLI, installAgent } from '../test/support/service-process.js';
import { emit, percentile, progress, round, withTempDir } from './support.js';

const RUNS = 10;

/** Median wall time of RUNS starts of `node args`, each to its exit; a failed start fails the bench. */
function medianStartMs(args: string[], env: NodeJS.ProcessEnv): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const outcome = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    times.push(performance.now() - start);
    if (outcome.status !== 0)
      throw new Error(`node ${args.join(' ')} exited ${outcome.status}: ${outcome.stderr}`);
  }
  return round(
    percentile(
      times.sort((a, b) => a - b),
      0.5,
    ),
    1,
  );
}

/**
 * `cli_start_ms`: how long `seatkeeper --version`, `--help` and `agent usage` (installed vendor key,
 * empty state) take from start to exit, median of RUNS each; the figure is the slowest of the three,
 * beside `node -e 0` measured in the same run.
 */
export async function benchCliStart(): Promise<void> {
  progress('measuring cli_start_ms');
  await withTempDir('seatkeeper-cli-start-', (dir) => {
    const keyFile = join(dir, 'vendor.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const env = { ...process.env, ...installAgent(join(dir, 'agent-config'), keyFile) };
    const state = join(dir, 'state');
    mkdirSync(state);
    const node = medianStartMs(['-e', '0'], env);
    const version = medianStartMs([CLI, '--version'], env);
    const help = medianStartMs([CLI, '--help'], env);
    const usage = medianStartMs([CLI, 'agent', 'usage', '--state', state], env);
    emit('cli_start_ms', Math.max(version, help, usage), 'ms', {
      version_ms: version,
      help_ms: help,
      agent_usage_ms: usage,
      node_e_0_ms: node,
      runs: RUNS,
      statistic: 'median',
      bundle: isBundleCurrent() ? BUNDLE.split('/').slice(-2).join('/') : 'none: sources through tsx',
    });
  });
}
