import { Type } from '@sinclair/typebox';

/** Schemas shared by several features' contracts. */
export const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  description: 'An email address',
  examples: ['admin@example.com'],
});

export const IdParam = (prefix: string, description: string) =>
  Type.Object(
    { id: Type.String({ pattern: `^${prefix}_[0-9a-z]{26}$`, description }) },
    { additionalProperties: false },
  );

export const Instant = Type.String({ format: 'date-time' });

/** Paging: `after` is the id a page ended with; a query string is text, so the size is digits. */
export const PageQuery = (prefix: string) => ({
  after: Type.Optional(
    Type.String({
      pattern: `^${prefix}_[0-9a-z]{26}$`,
      description: 'The last entry of the page before (its `next`)',
    }),
  ),
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

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref('Problem')]));
