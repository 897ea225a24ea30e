import type { Failure, Result } from '../../domain/errors.js';

/** A column a unique index covers, as `table.column`. */
export type UniqueColumn = `${string}.${string}`;

interface EngineError {
  code?: unknown;
  message?: unknown;
  /** PostgreSQL: the table, and `Key (a, b)=(...) already exists.` */
  table?: unknown;
  detail?: unknown;
}

/** The `table.column`s a unique violation names, in either engine's words. */
function violatedColumns(error: EngineError): string[] {
  if (typeof error.table === 'string' && typeof error.detail === 'string') {
    const columns = /^Key \(([^)]*)\)/.exec(error.detail)?.[1] ?? '';
    return columns.split(', ').map((column) => `${error.table}.${column}`);
  }
  // SQLite: "UNIQUE constraint failed: users.account_id, users.email"
  const listed = /constraint failed: (.*)$/.exec(String(error.message))?.[1] ?? '';
  return listed.split(', ');
}

/**
 * A unique-constraint violation, in either engine's words; with `on`, only one whose index covers
 * that column, so that a conflict is never mistaken for another.
 */
export function isUniqueViolation(error: unknown, on?: UniqueColumn): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const engineError = error as EngineError;
  const code = engineError.code;
  const unique =
    code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  return unique && (on === undefined || violatedColumns(engineError).includes(on));
}

/**
 * Runs `write`; a unique violation (on `on`, if named) becomes the refusal `conflict` instead of an
 * error. The one place where a constraint that settles a race turns into an answer.
 */
export async function refuseConflict<T>(
  write: () => Promise<Result<T>>,
  conflict: () => { ok: false; error: Failure },
  on?: UniqueColumn,
): Promise<Result<T>> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error, on)) return conflict();
    throw error;
  }
}
