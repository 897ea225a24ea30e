// Builds dist/: the `seatkeeper` command as plain JavaScript, so that it starts without transpiling
// TypeScript. Run by `npm ci` (prepare), and by ensure-deps.mjs whenever a source is newer.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const DIST = join(ROOT, 'dist');
export const ENTRY = join(DIST, 'seatkeeper.mjs');

// Native drivers stay installed packages; so do the HTTP stack and the PDF writer, which read files
// beside their own sources (swagger-ui's assets, pdfkit's font metrics), and the Stripe SDK: only
// the service's commands load them.
const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native', 'fastify', '@fastify/*', 'pdfkit', 'stripe'];

/** The bundle's files (entry `seatkeeper.mjs` and its chunks) for `outdir`, in memory. */
export async function bundleCli(outdir = DIST) {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { seatkeeper: 'src/cli/main.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Chunks: what `serve` or the store needs loads only when a command reaches it.
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    write: false,
    logLevel: 'warning',
    // Bundled CommonJS packages call require(): give them one in the ES module output.
    banner: {
      js: "import { createRequire as __seatkeeperRequire } from 'node:module';\nconst require = __seatkeeperRequire(import.meta.url);",
    },
  });
  return result.outputFiles;
}

export async function buildCli() {
  const started = Date.now();
  const outputFiles = await bundleCli();
  // Each file is written beside and renamed into place, the entry last, so that a command started
  // during a build runs either the old bundle or the new one, never half of one.
  mkdirSync(DIST, { recursive: true });
  const files = [...outputFiles].sort((a, b) => Number(a.path === ENTRY) - Number(b.path === ENTRY));
  for (const file of files) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  // The entry is dated when the build began: a source saved while esbuild ran is newer, so the
  // bundle counts as stale and is built again (see bundle-state.mjs).
  utimesSync(ENTRY, started / 1000, started / 1000);
  // Chunks of earlier builds stay a day: a command started from one may still import them lazily.
  const built = new Set(files.map((file) => basename(file.path)));
  for (const name of readdirSync(DIST)) {
    const path = join(DIST, name);
    if (!built.has(name) && statSync(path).mtimeMs < started - 86_400_000) rmSync(path);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
