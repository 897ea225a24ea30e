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

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref('Problem')]));
