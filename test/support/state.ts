import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Engine } from '../../src/service/store/database.js';

/** Where a test's store is, so that the test can read it through a connection of its own. */
export interface StoreLocation {
  engine: Engine;
  sqlitePath: string;
  databaseUrl: string | undefined;
}

/** Per table, how many rows and a digest of all of them: equal snapshots mean nothing was written. */
export type StateSnapshot = Record<string, { rows: number; digest: string }>;

export interface StateReader {
  snapshot(): Promise<StateSnapshot>;
  close(): Promise<void>;
}

function summarize(tables: Map<string, unknown[]>): StateSnapshot {
  const snapshot: StateSnapshot = {};
  for (const [table, rows] of [...tables].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // Rows in any order: a digest of the sorted rows does not depend on how the engine returns them.
    const lines = rows.map((row) => JSON.stringify(row)).sort();
    snapshot[table] = {
      rows: rows.length,
      digest: createHash('sha256').update(lines.join('\n')).digest('hex'),
    };
  }
  return snapshot;
}

/**
 * Reads every table of the store, migrations' own included, outside the service's connections:
 * what a refused request wrote would show, whichever code path wrote it.
 */
export async function openStateReader(
  location: StoreLocation,
  /** Tables a refusal is meant to write (a count of failed attempts), left out of snapshots. */
  ignored: readonly string[] = [],
): Promise<StateReader> {
  const kept = (name: string) => !ignored.includes(name);
  if (location.engine === 'sqlite') {
    const database = new SQLite(location.sqlitePath, { readonly: true });
    return {
      snapshot: async () => {
        const names = database
          .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
          .all() as { name: string }[];
        return summarize(
          new Map(
            names
              .filter(({ name }) => kept(name))
              .map(({ name }) => [name, database.prepare(`select * from "${name}"`).all()]),
          ),
        );
      },
      close: async () => {
        database.close();
      },
    };
  }
  if (location.databaseUrl === undefined) throw new Error('a PostgreSQL store without a URL');
  const client = new pg.Client({ connectionString: location.databaseUrl });
  await client.connect();
  return {
    snapshot: async () => {
      const names = await client.query<{ table_name: string }>(
        `select table_name from information_schema.tables
         where table_schema = current_schema() and table_type = 'BASE TABLE'`,
      );
      const tables = new Map<string, unknown[]>();
      for (const { table_name: name } of names.rows.filter(({ table_name }) => kept(table_name)))
        tables.set(name, (await client.query(`select * from "${name}"`)).rows);
      return summarize(tables);
    },
    close: () => client.end(),
  };
}
