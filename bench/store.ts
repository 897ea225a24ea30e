import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { measure, withTempDir } from './support.js';

/**
 * The floor under an activation: one durable SQLite commit (WAL, synchronous=FULL, as the
 * service opens it), with no framework, no signing, no network. Activations per second over HTTP
 * compare against this figure.
 */
export async function benchDurableWrites(): Promise<void> {
  await withTempDir('seatkeeper-bench-sqlite-', (dir) => {
    const database = new SQLite(join(dir, 'bench.db'));
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.exec('create table t (id integer primary key, body text not null)');
    const insert = database.prepare('insert into t (body) values (?)');
    measure('sqlite_durable_commits_per_second', () => insert.run('x'.repeat(200)), {
      journal: 'wal',
      synchronous: 'full',
    });
    database.close();
  });
}
