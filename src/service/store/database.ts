import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  type Kysely as KyselyType,
  type PostgresCursor,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
  type SqliteDatabase,
  SqliteDialect,
  sql,
} from 'kysely';
import pg from 'pg';
import { makePrivateFile, makePrivateFolder } from '../secrets/private-files.js';
import { migrator } from './migrations.js';
import type { Tables } from './schema.js';

export type Database = KyselyType<Tables>;
export type Engine = 'sqlite' | 'postgres';

export interface Store {
  db: Database;
  engine: Engine;
  /** Where the data is, for logs: a file path, or the PostgreSQL URL without its password. */
  location: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://... selects PostgreSQL (`?options=-c search_path=x` picks a schema); otherwise SQLite. */
  databaseUrl?: string | undefined;
  sqlitePath: string;
  poolSize?: number;
}

const INT8_OID = 20;

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing costs as much as running a short one. Queries are
 * parameterized, so their texts are few: keep the prepared statements. A statement runs to the end
 * synchronously before the next use, so sharing one is safe.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size < STATEMENT_CACHE_SIZE) statements.set(sql, statement);
      }
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

function openSqlite(path: string): Store {
  makePrivateFolder(dirname(path));
  // Made 0600 before SQLite opens it: its journal files take the database file's mode.
  makePrivateFile(path, { create: true });
  for (const journal of [`${path}-wal`, `${path}-shm`]) makePrivateFile(journal, { create: false });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  // FULL: an answered request is on disk even if the machine loses power right after.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return { db, engine: 'sqlite', location: path, close: () => db.destroy() };
}

/** Marks the SQL of a query that runs on every request, so that PostgreSQL keeps it prepared. */
export const HOT = '/* hot */ ';

/**
 * PostgreSQL parses and plans each statement anew unless it is named: the statements marked hot
 * are named after their text, so that each connection prepares them once.
 */
function preparing(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (sql: string) => {
    let name = names.get(sql);
    if (name === undefined) {
      name = `hot_${createHash('sha256').update(sql).digest('base64url').slice(0, 24)}`;
      names.set(sql, name);
    }
    return name;
  };
  return {
    connect: async (): Promise<PostgresPoolClient> => {
      const client = await pool.connect();
      function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
      function query(
        sql: string | PostgresCursor<unknown>,
        parameters: ReadonlyArray<unknown> = [],
      ): unknown {
        if (typeof sql !== 'string') throw new Error('the store does not stream query results');
        const named = sql.startsWith(HOT) ? { name: nameOf(sql) } : {};
        return client.query({ ...named, text: sql, values: [...parameters] });
      }
      return { query, release: () => client.release() };
    },
    end: () => pool.end(),
  };
}

function openPostgres(url: string, poolSize: number): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // bigint columns hold milliseconds, well inside the range a JavaScript number holds exactly.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: preparing(pool) }) });
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return { db, engine: 'postgres', location: parsed.toString(), close: () => db.destroy() };
}

export function openStore(options: StoreOptions): Store {
  const url = options.databaseUrl;
  if (url !== undefined && url !== '') {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('DATABASE_URL must start with postgres://');
    return openPostgres(url, options.poolSize ?? 10);
  }
  return openSqlite(options.sqlitePath);
}

/** Runs pending migrations; returns the names applied. Safe when several processes start at once. */
export async function migrate(store: Store): Promise<string[]> {
  const run = async (db: KyselyType<unknown>, schema?: string) => {
    const { error, results } = await migrator(db, store.engine, schema).migrateToLatest();
    if (error !== undefined) throw error;
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  };
  if (store.engine === 'sqlite') return run(store.db as KyselyType<unknown>);
  // Processes that start together would race to create the migration tables: serialize them.
  return store.db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(7381001)`.execute(connection);
    try {
      // The schema the URL selects (search_path), `public` by default.
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(connection);
      return await run(connection as KyselyType<unknown>, rows[0]?.schema);
    } finally {
      await sql`select pg_advisory_unlock(7381001)`.execute(connection);
    }
  });
}

/** True when the store answers a trivial query. */
export async function isReachable(store: Store): Promise<boolean> {
  try {
    await sql`select 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}

/** Unique-constraint violations, in either engine's words. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
]);

/** The store is down, busy or full: the client may retry, and nothing was changed. */
export function isStoreUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string')
    return /Connection terminated|connection timeout/i.test(String((error as Error)?.message));
  // PostgreSQL classes 08 (connection exception), 53 (insufficient resources), 57P (operator intervention).
  return UNAVAILABLE_CODES.has(code) || /^(08|53|57P)/.test(code);
}
