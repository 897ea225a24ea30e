import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { CompiledQuery, QueryResult } from 'kysely';

/** One write of a shared commit: its result, or the error it failed with alone. */
export type Settled = { ok: true; result: QueryResult<unknown> } | { ok: false; error: unknown };

/**
 * The writer thread's code, plain JavaScript so that it runs as it is under any loader or bundle.
 * It runs a batch of writes in one transaction and commits once (synchronous=FULL: the commit
 * returns once on disk); if the batch fails, each write runs alone so one cannot fail the others.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
const statements = new Map();
const prepare = (sql) => {
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    if (statements.size < 100) statements.set(sql, statement);
  }
  return statement;
};
const one = ({ sql, parameters }) => {
  const statement = prepare(sql);
  if (statement.reader) return { rows: statement.all(parameters) };
  return { rows: [], numAffectedRows: BigInt(statement.run(parameters).changes) };
};
const alone = (query) => {
  try {
    return { ok: true, result: db.transaction(one).immediate(query) };
  } catch (error) {
    return { ok: false, error: { message: String(error && error.message), code: error && error.code } };
  }
};
parentPort.on('message', ({ id, queries }) => {
  let settled;
  try {
    settled = db.transaction(() => queries.map((query) => ({ ok: true, result: one(query) }))).immediate();
  } catch {
    settled = queries.map(alone);
  }
  parentPort.postMessage({ id, settled });
});
`;

type Reply = { id: number; settled: Settled[] };

/**
 * A second connection to the SQLite file, on a thread of its own, for shared commits: the fsync of
 * a commit with synchronous=FULL blocks the thread that commits, and better-sqlite3 is synchronous,
 * so on the main thread every request would wait for the disk. Writes reach it compiled.
 */
export class SqliteWriter {
  readonly #path: string;
  #worker: Worker | undefined;
  #next = 0;
  readonly #waiting = new Map<
    number,
    { resolve: (settled: Settled[]) => void; reject: (e: unknown) => void }
  >();

  constructor(path: string) {
    this.#path = path;
  }

  commit(queries: readonly CompiledQuery[]): Promise<Settled[]> {
    const worker = this.#worker ?? this.#start();
    const id = this.#next++;
    // Referenced while a commit is awaited, so that the process does not end before its answer.
    if (this.#waiting.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, queries: queries.map(({ sql, parameters }) => ({ sql, parameters })) });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #start(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { driver, path: this.#path } });
    worker.on('message', ({ id, settled }: Reply) => {
      const waiting = this.#waiting.get(id);
      this.#waiting.delete(id);
      if (this.#waiting.size === 0) worker.unref();
      waiting?.resolve(settled.map(revived));
    });
    const fail = (error: unknown) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const waiting of this.#waiting.values()) waiting.reject(error);
      this.#waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite writer thread ended (${code})`)));
    this.#worker = worker;
    return worker;
  }
}

/** An error from the writer thread as the main thread's store errors look: message and code. */
function revived(settled: Settled): Settled {
  if (settled.ok) return settled;
  const { message, code } = settled.error as { message: string; code?: string };
  return { ok: false, error: Object.assign(new Error(message), { code }) };
}
