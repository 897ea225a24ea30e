import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The layer rules live in .dependency-cruiser.mjs and are checked here by dependency-cruiser, on
 * the sources and on a small tree of deliberate mistakes (so that each rule is seen to fail). What
 * no import rule can say, the domain reading the clock, is checked below on the text.
 */
const ROOT = resolve(import.meta.dirname, '..');

/**
 * `rule: from -> to`, one line per violation, sorted: what a failing test prints; and the modules
 * of src/ that were read.
 */
async function cruiseSources(baseDir: string): Promise<{ violations: string[]; modules: string[] }> {
  const options = await extractDepcruiseOptions(join(ROOT, '.dependency-cruiser.mjs'));
  const { output } = await cruise(
    ['src'],
    { ...options, baseDir },
    {},
    { tsConfig: extractTSConfig(join(ROOT, 'tsconfig.json')) },
  );
  const result = output as ICruiseResult;
  // node_modules may be a link to another checkout's: a package is named the same from anywhere.
  const named = (to: string) => to.replace(/^.*\/node_modules\//, 'node_modules/');
  const violations = result.summary.violations
    .map((violation) => `${violation.rule.name}: ${violation.from} -> ${named(violation.to)}`)
    .sort();
  const modules = result.modules.map((module) => module.source).filter((name) => name.startsWith('src/'));
  return { violations, modules };
}

describe('the layer rules', () => {
  it('hold on src/, every module of it read', async () => {
    const { violations, modules } = await cruiseSources(ROOT);
    expect(violations).toEqual([]);
    expect(modules).toEqual(
      expect.arrayContaining(['src/domain/seats.ts', 'src/service/app.ts', 'src/cli/main.ts']),
    );
    expect(modules.length).toBeGreaterThanOrEqual(100);
  });

  describe('each can fail: a tree of deliberate mistakes is flagged, exactly', () => {
    const tree = mkdtempSync(join(tmpdir(), 'seatkeeper-layers-'));
    afterAll(() => rmSync(tree, { recursive: true, force: true }));
    const files: Record<string, string> = {
      // Allowed: the shapes of the contract, a feature's routes on Fastify, app.ts mounting them.
      'src/domain/seats.ts': "import { Type } from '@sinclair/typebox';\nexport const Seats = Type.Number();",
      'src/contract/seats.ts':
        "import { Type } from '@sinclair/typebox';\nimport { Seats } from '../domain/seats.js';\nexport const Pool = Type.Object({ seats: Seats });",
      'src/service/subscriptions/routes.ts':
        "import type { FastifyInstance } from 'fastify';\nimport { join } from './join.js';\nexport const routes = (app: FastifyInstance) => join(app);",
      'src/service/app.ts': "export { routes } from './subscriptions/routes.js';",
      'src/service/http/problem.ts': "export const problem = 'problem';",
      // Each line below breaks one rule.
      'src/domain/reaches-out.ts': "export { run } from '../agent/run.js';",
      'src/domain/reads-files.ts': "export { readFileSync } from 'node:fs';",
      'src/domain/seats.test.ts': "export { clock } from '../../test/support/clock.js';",
      'src/contract/with-io.ts':
        "export { problem } from '../service/http/problem.js';\nexport { request } from 'node:http';",
      'src/service/subscriptions/join.ts':
        "import { problem } from '../http/problem.js';\nimport type { FastifyInstance } from 'fastify';\nexport const join = (app: FastifyInstance) => [app, problem];",
      'src/service/licenses/transfer.ts': "export { routes } from '../subscriptions/routes.js';",
      'src/cli/main.test.ts': "export { routes } from '../service/subscriptions/routes.js';",
      'src/agent/run.ts': "export { problem } from '../service/http/problem.js';\nexport const run = 1;",
      'src/service/audit/log.ts': "export { main } from '../../cli/main.js';",
      'src/cli/main.ts': "export { clock } from '../../test/support/clock.js';\nexport const main = 1;",
      'test/support/clock.ts': 'export const clock = 0;',
      'src/agent/ping.ts': "export { pong } from './pong.js';\nexport const ping = 1;",
      'src/agent/pong.ts': "export { ping } from './ping.js';\nexport const pong = 1;",
      'src/agent/typo.ts': "export { nothing } from './no-such-file.js';",
      // The pages' kit is shared by the service and the agent: it may use the domain, nothing of either.
      'src/html/page.ts':
        "export { Seats } from '../domain/seats.js';\nexport { problem } from '../service/http/problem.js';",
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(tree, name)), { recursive: true });
      writeFileSync(join(tree, name), `${text}\n`);
    }
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');

    it('with the rule that each breaks, and nothing for what is allowed', async () => {
      expect((await cruiseSources(tree)).violations).toEqual([
        'agent-not-to-service-or-cli: src/agent/run.ts -> src/service/http/problem.ts',
        'cli-not-to-routes: src/cli/main.test.ts -> src/service/subscriptions/routes.ts',
        'contract-is-shapes-only: src/contract/with-io.ts -> http',
        'contract-is-shapes-only: src/contract/with-io.ts -> src/service/http/problem.ts',
        'domain-does-no-io: src/domain/reads-files.ts -> fs',
        'domain-is-pure: src/domain/reaches-out.ts -> src/agent/run.ts',
        'domain-is-pure: src/domain/seats.test.ts -> test/support/clock.ts',
        'html-is-shared: src/html/page.ts -> src/service/http/problem.ts',
        'no-circular: src/agent/ping.ts -> src/agent/pong.ts',
        'no-http-below-routes: src/service/subscriptions/join.ts -> node_modules/fastify/fastify.js',
        'no-http-below-routes: src/service/subscriptions/join.ts -> src/service/http/problem.ts',
        'not-to-unresolvable: src/agent/typo.ts -> ./no-such-file.js',
        'routes-only-from-app: src/service/licenses/transfer.ts -> src/service/subscriptions/routes.ts',
        'service-not-to-agent-or-cli: src/service/audit/log.ts -> src/cli/main.ts',
        'src-not-to-tests: src/cli/main.ts -> test/support/clock.ts',
      ]);
    });
  });
});

/** Removes comments so prose about `new Date()` does not count; keeps `//` inside URLs in strings. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Clock reads: `Date.now(` or `new Date()` with no arguments. */
function clockReads(text: string): string[] {
  const code = stripComments(text);
  return [...code.matchAll(/\bDate\s*\.\s*now\s*\(|\bnew\s+Date\s*\(\s*\)/g)].map((match) => match[0]);
}

describe('the domain reads no clock', () => {
  const SYSTEM_CLOCK = 'src/domain/clock.ts';
  const domain = readdirSync(join(ROOT, 'src', 'domain'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { name: relative(ROOT, path).split(sep).join('/'), text: readFileSync(path, 'utf8') };
    });

  it('finds clock reads, and not instants built from arguments or mentioned in comments', () => {
    expect(clockReads('const t = Date.now();')).toEqual(['Date.now(']);
    expect(clockReads('const t = new Date();')).toEqual(['new Date()']);
    expect(clockReads('const t = new Date( );\nconst u = Date .now ();')).toHaveLength(2);
    expect(clockReads("const t = new Date('2026-01-01T00:00:00.000Z');")).toEqual([]);
    expect(clockReads('const t = new Date(ms);\nconst u = new Date(a.getTime());')).toEqual([]);
    expect(clockReads('// never call new Date() here\n/* nor Date.now() */')).toEqual([]);
    expect(stripComments("const u = 'https://example.com'; // note")).toBe(
      "const u = 'https://example.com'; ",
    );
  });

  it('keeps src/domain free of clock reads, except the system clock', () => {
    expect(domain.length).toBeGreaterThanOrEqual(10);
    const reads = domain
      .filter((file) => file.name !== SYSTEM_CLOCK)
      .flatMap((file) => clockReads(file.text).map((read) => `${file.name}: ${read}`));
    expect(reads).toEqual([]);
    // The exception is real: the system clock does read the clock.
    const clock = domain.find((file) => file.name === SYSTEM_CLOCK);
    expect(clock && clockReads(clock.text)).toEqual(['new Date()']);
  });
});
