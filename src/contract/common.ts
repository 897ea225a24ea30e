import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { IdPrefix } from '../domain/ids.js';
import { Id } from './ids.js';

/** Schemas shared by several API areas. */
export const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  description: 'An email address',
  examples: ['admin@example.com'],
});

export const IdParam = (prefix: IdPrefix, description: string) =>
  Type.Object({ id: Id(prefix, description) }, { additionalProperties: false });

export const Instant = Type.String({ format: 'date-time' });

/** Paging: `after` is the id a page ended with; a query string is text, so the size is digits. */
export const PageQuery = (prefix: IdPrefix) => ({
  after: Type.Optional(Id(prefix, 'The last entry of the page before (its `next`)')),
  limit: Type.Optional(
    Type.String({
      pattern: '^([1-9][0-9]{0,2}|1000)$',
      description: 'Entries per page, 1 to 1000; 100 by default',
    }),
  ),
});

export const pageSize = (limit: string | undefined): number => Number(limit ?? 100);

export const NextPage = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as `after` for the next page; null on the last page',
});

/**
 * A reference to a schema registered once by its `$id` (an OpenAPI component), typed as that
 * schema: checking a value against it needs the schema among the references.
 */
export function Shared<T extends TSchema>(schema: T) {
  if (schema.$id === undefined) throw new TypeError('only a schema with an $id is shared by reference');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

export const Problem = Type.Object(
  {
    type: Type.String(),
    code: Type.String({ description: 'Stable error code; never renamed' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    field: Type.Optional(Type.String({ description: 'The request field at fault, where there is one' })),
    storedSequence: Type.Optional(
      Type.Integer({
        description: 'heartbeat_out_of_order: the sequence stored for the server; continue above it',
      }),
    ),
    requestId: Type.String(),
  },
  { $id: 'Problem' },
);
export type Problem = Static<typeof Problem>;

/** The problem answers a route documents; untyped, so a route's answer type stays its success. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref('Problem')]));
