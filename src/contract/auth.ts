import { type Static, Type } from '@sinclair/typebox';
import { Email } from './common.js';

export const Bootstrap = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), email: Email },
  { additionalProperties: false },
);

export const StaffCreated = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  token: Type.String({ description: 'Shown once' }),
});
export type StaffCreated = Static<typeof StaffCreated>;
