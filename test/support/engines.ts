import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Clock } from '../../src/domain/clock.js';
import type { ServiceContext } from '../../src/service/context.js';
import { DEFAULT_POLICY } from '../../src/service/context.js';
import { openContext, sqlitePathIn } from '../../src/service/runtime.js';
import type { Engine } from '../../src/service/store/database.js';
import type { StoreLocation } from './state.js';

/** The engines the store tier runs on: SQLite always, PostgreSQL where DATABASE_URL is set (always in CI). */
export const ENGINES: Engine[] = process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

if (!process.env.DATABASE_URL) {
  process.stderr.write(
    'note: DATABASE_URL is not set, so PostgreSQL store tests are skipped (CI always sets it)\n',
  );
}

export function tempDir(prefix = 'seatkeeper-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A fresh, empty PostgreSQL schema; its URL selects it through the connection's search_path. */
export async function freshPostgresSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

export interface TestStore {
  dataDir: string;
  databaseUrl: string | undefined;
  cleanup: () => Promise<void>;
}

/** A data directory, and for PostgreSQL a schema of its own: nothing is shared between tests. */
export async function freshStore(engine: Engine): Promise<TestStore> {
  const dir = tempDir();
  if (engine === 'sqlite')
    return { dataDir: dir.path, databaseUrl: undefined, cleanup: async () => dir.remove() };
  const schema = await freshPostgresSchema();
  return {
    dataDir: dir.path,
    databaseUrl: schema.url,
    cleanup: async () => {
      await schema.drop();
      dir.remove();
    },
  };
}

/** A migrated service context on a fresh store, for the operations tier. */
export async function testContext(
  engine: Engine,
  clock: Clock,
): Promise<ServiceContext & { location: StoreLocation; cleanup: () => Promise<void> }> {
  const store = await freshStore(engine);
  const ctx = await openContext({ ...store, certificateTtlMs: DEFAULT_POLICY.certificateTtlMs }, clock);
  return {
    ...ctx,
    location: { engine, sqlitePath: sqlitePathIn(store.dataDir), databaseUrl: store.databaseUrl },
    cleanup: async () => {
      await ctx.store.close();
      await store.cleanup();
    },
  };
}
