import { type Static, Type } from '@sinclair/typebox';

/** The vendor public keys that sign certificates and grants, for agents to pin. */
export const SigningKeys = Type.Object({
  keys: Type.Array(
    Type.Object({ kid: Type.String(), alg: Type.Literal('Ed25519'), publicKeyPem: Type.String() }),
  ),
});
export type SigningKeys = Static<typeof SigningKeys>;
