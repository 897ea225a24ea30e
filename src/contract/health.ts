import { type Static, Type } from '@sinclair/typebox';

export const Health = Type.Object({ status: Type.Literal('ok'), engine: Type.String() });
export type Health = Static<typeof Health>;
