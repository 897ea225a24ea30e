import type { Database } from './database.js';

interface Pending {
  work: (tx: Database) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: small writes that arrive together run in one transaction, so many requests share
 * one durable commit instead of one each. Every caller's promise settles after that commit, so an
 * answered request is still a committed one. If the shared transaction fails, each write is tried
 * again alone, in order, so one bad write cannot take the others down with it.
 */
export class CommitBatcher {
  readonly #db: Database;
  #queue: Pending[] = [];

  constructor(db: Database) {
    this.#db = db;
  }

  run<T>(work: (tx: Database) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => void this.#flush());
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    try {
      const results = await this.#db.transaction().execute(async (tx) => {
        const out: unknown[] = [];
        for (const item of batch) out.push(await item.work(tx));
        return out;
      });
      for (const [i, item] of batch.entries()) item.resolve(results[i]);
    } catch {
      for (const item of batch)
        await this.#db.transaction().execute(item.work).then(item.resolve, item.reject);
    }
  }
}
