import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layering rules: the domain is pure (no clock reads, nothing from the edges), the agent and
 * the service never reach into each other, and neither reaches into the CLI.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

interface SourceFile {
  /** Absolute path. */
  path: string;
  /** Relative to the repository root with forward slashes, e.g. `src/domain/seats.ts`. */
  name: string;
  text: string;
}

function sourceFiles(): SourceFile[] {
  const entries = readdirSync(SRC, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path, name: relative(ROOT, path).split(sep).join('/'), text: readFileSync(path, 'utf8') };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes comments so prose about `new Date()` does not count; keeps `//` inside URLs in strings. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every module specifier: static imports and re-exports, side-effect imports, dynamic imports. */
function importSpecifiers(text: string): string[] {
  const code = stripComments(text);
  const patterns = [
    /^\s*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  const found: string[] = [];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

/** Relative imports resolved against the importing file's folder; package imports are left out. */
function relativeImportTargets(path: string, text: string): string[] {
  return importSpecifiers(text)
    .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'))
    .map((specifier) => resolve(dirname(path), specifier));
}

/** Clock reads: `Date.now(` or `new Date()` with no arguments. */
function clockReads(text: string): string[] {
  const code = stripComments(text);
  return [...code.matchAll(/\bDate\s*\.\s*now\s*\(|\bnew\s+Date\s*\(\s*\)/g)].map((match) => match[0]);
}

const isInside = (target: string, folder: string): boolean =>
  target === folder || target.startsWith(`${folder}${sep}`);

/** Imports of `path` that resolve inside any of the forbidden folders. */
function importsInto(file: { path: string; text: string }, forbidden: string[]): string[] {
  return relativeImportTargets(file.path, file.text)
    .filter((target) => forbidden.some((folder) => isInside(target, folder)))
    .map((target) => relative(ROOT, target).split(sep).join('/'));
}

/** Imports of `path` that resolve outside `folder`. */
function importsOutside(file: { path: string; text: string }, folder: string): string[] {
  return relativeImportTargets(file.path, file.text)
    .filter((target) => !isInside(target, folder))
    .map((target) => relative(ROOT, target).split(sep).join('/'));
}

const DOMAIN = join(SRC, 'domain');
const AGENT = join(SRC, 'agent');
const SERVICE = join(SRC, 'service');
const CLI = join(SRC, 'cli');
const SYSTEM_CLOCK = 'src/domain/clock.ts';

const files = sourceFiles();
const inLayer = (folder: string) => files.filter((file) => isInside(file.path, folder));

describe('the detectors (so the rules below can fail)', () => {
  it('find static, type-only, multi-line, re-export, side-effect and dynamic imports', () => {
    const sample = [
      "import { a } from '../service/app.js';",
      "import type { B } from './b.js';",
      'import {',
      '  c,',
      '  d,',
      "} from '../cli/main.js';",
      "export { e } from '../agent/agent.js';",
      "export * from './f.js';",
      "import './side-effect.js';",
      "const g = await import('../service/lazy.js');",
      "import { h } from 'node:crypto';",
    ].join('\n');
    expect(importSpecifiers(sample).sort()).toEqual(
      [
        '../service/app.js',
        './b.js',
        '../cli/main.js',
        '../agent/agent.js',
        './f.js',
        './side-effect.js',
        '../service/lazy.js',
        'node:crypto',
      ].sort(),
    );
  });

  it('ignore imports that are only mentioned in comments', () => {
    expect(
      importSpecifiers("// import { a } from '../service/app.js';\n/* import x from '../cli/main.js' */"),
    ).toEqual([]);
  });

  it('flag a domain file importing from outside the domain, and allow siblings and packages', () => {
    const path = join(DOMAIN, 'sample.ts');
    const violating = "import { x } from '../service/app.js';\nimport { y } from '../agent/admission.js';";
    expect(importsOutside({ path, text: violating }, DOMAIN)).toEqual([
      'src/service/app.js',
      'src/agent/admission.js',
    ]);
    const sneaky = "import { z } from './../cli/main.js';\nimport { w } from '../../test/support/clock.js';";
    expect(importsOutside({ path, text: sneaky }, DOMAIN)).toEqual([
      'src/cli/main.js',
      'test/support/clock.js',
    ]);
    const clean =
      "import { a } from './errors.js';\nimport { b } from '@sinclair/typebox';\nimport 'node:fs';";
    expect(importsOutside({ path, text: clean }, DOMAIN)).toEqual([]);
  });

  it('flag an agent file importing the service or the CLI, but not the domain', () => {
    const path = join(AGENT, 'sample.ts');
    const text = [
      "import { a } from '../service/context.js';",
      "import { b } from '../cli/output.js';",
      "import { c } from '../domain/errors.js';",
      "import { d } from './state.js';",
    ].join('\n');
    expect(importsInto({ path, text }, [SERVICE, CLI])).toEqual([
      'src/service/context.js',
      'src/cli/output.js',
    ]);
  });

  it('flag a service file (in a sub-folder) importing the agent or the CLI', () => {
    const path = join(SERVICE, 'licenses', 'sample.ts');
    const text = "import { a } from '../../agent/agent.js';\nimport { b } from '../store/database.js';";
    expect(importsInto({ path, text }, [AGENT, CLI])).toEqual(['src/agent/agent.js']);
  });

  it('find clock reads, and not instants built from arguments or mentioned in comments', () => {
    expect(clockReads('const t = Date.now();')).toEqual(['Date.now(']);
    expect(clockReads('const t = new Date();')).toEqual(['new Date()']);
    expect(clockReads('const t = new Date( );\nconst u = Date .now ();')).toHaveLength(2);
    expect(clockReads("const t = new Date('2026-01-01T00:00:00.000Z');")).toEqual([]);
    expect(clockReads('const t = new Date(ms);\nconst u = new Date(a.getTime());')).toEqual([]);
    expect(clockReads('// never call new Date() here\n/* nor Date.now() */')).toEqual([]);
  });

  it('keep URLs in strings when stripping comments', () => {
    expect(stripComments("const u = 'https://example.com'; // note")).toBe(
      "const u = 'https://example.com'; ",
    );
  });
});

describe('architecture', () => {
  it('reads the whole source tree', () => {
    const names = files.map((file) => file.name);
    expect(names).toContain('src/domain/seats.ts');
    expect(names).toContain('src/domain/clock.ts');
    expect(names).toContain('src/agent/admission.ts');
    expect(names).toContain('src/service/app.ts');
    expect(names).toContain('src/cli/main.ts');
    expect(inLayer(DOMAIN).length).toBeGreaterThanOrEqual(10);
  });

  it('keeps src/domain free of imports from outside src/domain', () => {
    const violations = inLayer(DOMAIN).flatMap((file) =>
      importsOutside(file, DOMAIN).map((target) => `${file.name} -> ${target}`),
    );
    expect(violations).toEqual([]);
  });

  it('keeps src/domain free of clock reads, except the system clock', () => {
    const violations = inLayer(DOMAIN)
      .filter((file) => file.name !== SYSTEM_CLOCK)
      .flatMap((file) => clockReads(file.text).map((read) => `${file.name}: ${read}`));
    expect(violations).toEqual([]);
    // The exception is real: the system clock does read the clock.
    const clock = files.find((file) => file.name === SYSTEM_CLOCK);
    expect(clock && clockReads(clock.text)).toEqual(['new Date()']);
  });

  it('keeps src/agent free of imports from src/service and src/cli', () => {
    const violations = inLayer(AGENT).flatMap((file) =>
      importsInto(file, [SERVICE, CLI]).map((target) => `${file.name} -> ${target}`),
    );
    expect(violations).toEqual([]);
  });

  it('keeps src/service free of imports from src/agent and src/cli', () => {
    const violations = inLayer(SERVICE).flatMap((file) =>
      importsInto(file, [AGENT, CLI]).map((target) => `${file.name} -> ${target}`),
    );
    expect(violations).toEqual([]);
  });

  it('keeps operations free of HTTP: no Fastify and nothing from service/http', () => {
    const operations = inLayer(SERVICE).filter((file) => /\/operations\.ts$/.test(file.name));
    expect(operations.length).toBeGreaterThanOrEqual(3);
    const violations = operations.flatMap((file) => [
      ...importsInto(file, [join(SERVICE, 'http')]).map((target) => `${file.name} -> ${target}`),
      ...importSpecifiers(file.text)
        .filter((specifier) => specifier.startsWith('fastify') || specifier.startsWith('@fastify/'))
        .map((specifier) => `${file.name} -> ${specifier}`),
    ]);
    expect(violations).toEqual([]);
  });

  it('lets the CLI reuse operations, never routes', () => {
    const routes = inLayer(SERVICE)
      .filter((file) => /\/routes\.ts$/.test(file.name))
      .map((file) => file.path.replace(/\.ts$/, '.js'));
    expect(routes.length).toBeGreaterThanOrEqual(3);
    const violations = inLayer(CLI).flatMap((file) =>
      relativeImportTargets(file.path, file.text)
        .filter((target) => routes.includes(target))
        .map((target) => `${file.name} -> ${relative(ROOT, target)}`),
    );
    expect(violations).toEqual([]);
  });
});
