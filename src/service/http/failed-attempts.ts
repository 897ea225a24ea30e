import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../store/database.js';

export interface FailureCount {
  key: string;
  failures: number;
  windowEndsAt: number;
}

/** Keys name client addresses and credential prefixes: the table keeps only their digests. */
const digestOf = (key: string): string =>
  createHash('sha256').update(`seatkeeper-failed-attempts:${key}`).digest('hex');

/**
 * Counts one failed attempt against each key, in one statement shared by every instance on the
 * store; a key whose window has ended starts a new one. Returns each key's count in its window.
 */
export async function recordFailures(
  db: Database,
  keys: readonly string[],
  now: number,
  windowMs: number,
): Promise<FailureCount[]> {
  const byDigest = new Map(keys.map((key) => [digestOf(key), key]));
  // Rows in one order, so that two instances counting the same keys never wait on each other in a cycle.
  const digests = [...byDigest.keys()].sort();
  const ended = sql<boolean>`failed_attempts.window_ends_at <= ${now}`;
  const rows = await db
    .insertInto('failed_attempts')
    .values(digests.map((key_digest) => ({ key_digest, failures: 1, window_ends_at: now + windowMs })))
    .onConflict((conflict) =>
      conflict.column('key_digest').doUpdateSet({
        failures: sql<number>`case when ${ended} then 1 else failed_attempts.failures + 1 end`,
        window_ends_at: sql<number>`case when ${ended} then ${now + windowMs} else failed_attempts.window_ends_at end`,
      }),
    )
    .returning(['key_digest', 'failures', 'window_ends_at'])
    .execute();
  return rows.map((row) => ({
    key: byDigest.get(row.key_digest) ?? row.key_digest,
    failures: Number(row.failures),
    windowEndsAt: Number(row.window_ends_at),
  }));
}

/** Drops the counts of windows that have ended: a new failure starts its key afresh anyway. */
export async function forgetEndedWindows(db: Database, now: number): Promise<void> {
  await db.deleteFrom('failed_attempts').where('window_ends_at', '<=', now).execute();
}
