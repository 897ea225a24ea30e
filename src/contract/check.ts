import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';

/** RFC 3339's date-time, as the service's router (Ajv) reads `format: 'date-time'`. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** TypeBox knows no format until told: without this every `date-time` field would fail its check. */
function registerFormats(): void {
  if (!FormatRegistry.Has('date-time'))
    FormatRegistry.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
}

/**
 * What a value read from another process (an HTTP answer, a file) is checked with: the value as
 * its schema types it, or what is wrong with it (a path and a message).
 */
export type Checker<T> = (value: unknown) => { ok: true; value: T } | { ok: false; wrong: string };

/**
 * A check of values against a contract schema, compiled on first use: a heartbeat's answer is
 * checked many times a minute, and a command that never reads one does not pay for compiling it.
 * `references`: the schemas the schema refers to by `$id`.
 */
export function checker<T extends TSchema>(schema: T, references: TSchema[] = []): Checker<Static<T>> {
  let compiled: TypeCheck<T> | undefined;
  return (value) => {
    if (compiled === undefined) {
      registerFormats();
      compiled = TypeCompiler.Compile(schema, references);
    }
    if (compiled.Check(value)) return { ok: true, value };
    const first = compiled.Errors(value).First();
    return { ok: false, wrong: first === undefined ? 'not valid' : `${first.path || '/'}: ${first.message}` };
  };
}
