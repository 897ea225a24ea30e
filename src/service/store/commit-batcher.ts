import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Store } from './database.js';

interface Pending {
  query: CompiledQuery;
  resolve: (value: QueryResult<unknown>) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: small writes that arrive together run in one transaction, so many requests share
 * one durable commit instead of one each. Every caller's promise settles after that commit, so an
 * answered request is still a committed one. If the shared transaction fails, each write is tried
 * again alone, in order, so one bad write cannot take the others down with it. Writes arriving
 * while a commit is on its way wait for the next one (SQLite commits one at a time anyway).
 */
export class CommitBatcher {
  readonly #store: Store;
  readonly #maxInFlight: number;
  #queue: Pending[] = [];
  #inFlight = 0;
  #scheduled = false;

  constructor(store: Store) {
    this.#store = store;
    this.#maxInFlight = store.engine === 'sqlite' ? 1 : 4;
  }

  run<R>(write: Compilable<R> | CompiledQuery<R>): Promise<QueryResult<R>> {
    const query = 'compile' in write ? write.compile() : write;
    return new Promise<QueryResult<R>>((resolve, reject) => {
      this.#queue.push({ query, resolve: resolve as Pending['resolve'], reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0 || this.#inFlight >= this.#maxInFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    this.#inFlight++;
    try {
      const settled = await this.#store.commitTogether(batch.map((item) => item.query));
      for (const [i, item] of batch.entries()) {
        const outcome = settled[i];
        if (outcome?.ok) item.resolve(outcome.result);
        else item.reject(outcome?.error ?? new Error('the shared commit lost a write'));
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      this.#inFlight--;
      this.#schedule();
    }
  }
}
