import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type SQLite from 'better-sqlite3';
import {
  type DatabaseIntrospector,
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
import type pg from 'pg';
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

// The drivers load when a store opens, not with this module: commands that open none start faster.
const loadDriver = createRequire(import.meta.url);

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
  const Driver = loadDriver('better-sqlite3') as typeof SQLite;
  const database = new Driver(path);
  database.pragma('journal_mode = WAL');
  // FULL: an answered request is on disk even if the machine loses power right after.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return { db, engine: 'sqlite', location: path, close: () => db.destroy() };
}

/**
 * Kysely's introspector lists the tables of every schema the database holds, and fails when
 * another schema is dropped while it reads (`has_schema_privilege` on a name that just vanished).
 * The migrator only asks whether its own tables exist, so it is asked about the current schema only.
 */
class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: KyselyType<unknown>): DatabaseIntrospector {
    const every = super.createIntrospector(db);
    return {
      getSchemas: () => every.getSchemas(),
      getMetadata: (options) => every.getMetadata(options),
      getTables: async () => {
        const { rows } = await sql<{ name: string; schema: string; kind: string }>`
          select table_name as name, table_schema as schema, table_type as kind
          from information_schema.tables where table_schema = current_schema()`.execute(db);
        return rows.map(({ name, schema, kind }) => ({ name, schema, isView: kind === 'VIEW', columns: [] }));
      },
    };
  }
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
  const { Pool, types } = loadDriver('pg') as typeof pg;
  const pool = new Pool({
    connectionString: url,
    max: poolSize,
    // bigint columns hold milliseconds, well inside the range a JavaScript number holds exactly.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? Number : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
    },
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Tables>({ dialect: new CurrentSchemaPostgresDialect({ pool: preparing(pool) }) });
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
  // Processes that start together on one schema would race to create the migration tables:
  // serialize them, schema by schema (other schemas of the same database migrate meanwhile).
  const lock = sql`7381001, hashtext(coalesce(current_schema(), ''))`;
  return store.db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${lock})`.execute(connection);
    try {
      // The schema the URL selects (search_path), `public` by default.
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(connection);
      return await run(connection as KyselyType<unknown>, rows[0]?.schema);
    } finally {
      await sql`select pg_advisory_unlock(${lock})`.execute(connection);
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
