// Installs the locked dependencies when they are missing or older than the lock file,
// so that `npm start` and `npm test` work alone on a fresh clone.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

const installed = mtime('node_modules/.package-lock.json');
const locked = mtime('package-lock.json');
if (installed === undefined || (locked !== undefined && locked > installed)) {
  process.stderr.write('seatkeeper: installing dependencies from package-lock.json (npm ci)...\n');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('seatkeeper: npm ci failed; see the output above.\n');
    process.exit(result.status ?? 1);
  }
}

// The bundle the command runs is rebuilt when a source changed since it was built: a stale one never runs.
const { isBundleCurrent } = await import('./bundle-state.mjs');
if (!isBundleCurrent()) {
  const { buildCli } = await import('./build.mjs');
  await buildCli();
}
