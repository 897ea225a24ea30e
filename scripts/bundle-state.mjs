// Whether dist/ was built from the sources as they are now: a stale bundle must never run.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
export const BUNDLE = join(ROOT, 'dist', 'seatkeeper.mjs');

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs;

/** The newest change to what the bundle is built from; folders count, so a deleted file does too. */
function newestSource() {
  let newest = Math.max(
    mtime(join(ROOT, 'package.json')) ?? 0,
    mtime(join(ROOT, 'scripts', 'build.mjs')) ?? 0,
  );
  const src = join(ROOT, 'src');
  newest = Math.max(newest, mtime(src) ?? 0);
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, mtime(join(entry.parentPath, entry.name)) ?? 0);
  }
  return newest;
}

/** True when dist/seatkeeper.mjs exists and is newer than every source it is built from. */
export function isBundleCurrent() {
  const built = mtime(BUNDLE);
  return built !== undefined && built >= newestSource();
}
