import { type Compilable, CompiledQuery, type QueryResult } from 'kysely';
import { type Database, HOT } from './database.js';

type Value = string | number;
type Slot<A> = { arg: keyof A } | { constant: unknown };

/**
 * A query of a hot path, built and compiled by Kysely once per database handle; each run only
 * puts its arguments in place. Building and compiling costs about as much as SQLite running the
 * query, and heartbeats run thousands a second. Each argument is placed by a marker value at the
 * first compile, so a query that uses an argument in an expression (not as a value) is refused.
 */
export function precompiled<A extends Record<string, Value>, R>(
  build: (db: Database, args: A) => Compilable<R>,
  names: readonly (keyof A & string)[],
) {
  const plans = new WeakMap<Database, { sql: string; slots: Slot<A>[] }>();
  const plan = (db: Database) => {
    const marker = (name: string) => `\u0000precompiled:${name}`;
    // Markers stand for the arguments, whatever their types: they are only ever parameters.
    const markers = Object.fromEntries(names.map((name) => [name, marker(name)])) as unknown as A;
    const compiled = build(db, markers).compile();
    const byMarker = new Map<unknown, keyof A>(names.map((name) => [marker(name), name]));
    const slots = compiled.parameters.map((value): Slot<A> => {
      const arg = byMarker.get(value);
      return arg === undefined ? { constant: value } : { arg };
    });
    for (const name of names)
      if (!slots.some((slot) => 'arg' in slot && slot.arg === name))
        throw new Error(`precompiled query: argument ${name} is not a parameter of ${compiled.sql}`);
    return { sql: HOT + compiled.sql, slots };
  };
  const compile = (db: Database, args: A): CompiledQuery<R> => {
    let known = plans.get(db);
    if (known === undefined) {
      known = plan(db);
      plans.set(db, known);
    }
    const parameters = known.slots.map((slot) => ('arg' in slot ? args[slot.arg] : slot.constant));
    return CompiledQuery.raw(known.sql, parameters) as CompiledQuery<R>;
  };
  return {
    /** The compiled query with these arguments, for a shared commit. */
    compile,
    run: (db: Database, args: A): Promise<QueryResult<R>> => db.executeQuery(compile(db, args)),
  };
}
