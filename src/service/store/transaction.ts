import type { Result } from '../../domain/errors.js';
import type { Database } from './database.js';

/** Carries a refusal out of a transaction so that everything it wrote is rolled back. */
class Refused extends Error {
  readonly result: Result<never>;
  constructor(result: Result<never>) {
    super('refused');
    this.result = result;
  }
}

/**
 * Runs `work` in one transaction that commits only when it succeeds: a refusal returned after
 * some writes rolls them all back, so a refused operation changes nothing. The one way operations
 * open a transaction (the commit batcher, a store primitive, opens its own).
 */
export async function inTransaction<T>(
  db: Database,
  work: (tx: Database) => Promise<Result<T>>,
): Promise<Result<T>> {
  try {
    return await db.transaction().execute(async (tx) => {
      const result = await work(tx);
      if (!result.ok) throw new Refused(result);
      return result;
    });
  } catch (error) {
    if (error instanceof Refused) return error.result;
    throw error;
  }
}
