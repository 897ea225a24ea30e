import { type KeyObject, sign, verify } from 'node:crypto';
import { type Static, type TObject, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { canonicalJson } from './canonical-json.js';
import { type ErrorCode, fail, ok, type Result } from './errors.js';

/**
 * What the service decides and the agent must be able to trust offline: a payload signed with the
 * vendor's Ed25519 key over its canonical JSON. License certificates and pool grants are such.
 */
export type PublicKeys = ReadonlyMap<string, KeyObject>;

/** The envelope of a signed payload; the payload's `kid` names the key that signed it. */
export const signedSchema = <P extends TObject>(payload: P, $id: string) =>
  Type.Object(
    { payload, signature: Type.String({ description: 'Ed25519 over the canonical JSON, base64url' }) },
    { additionalProperties: false, $id },
  );

export function signPayload<P extends { kid: string }>(
  payload: P,
  privateKey: KeyObject,
): { payload: P; signature: string } {
  const signature = sign(null, Buffer.from(canonicalJson(payload)), privateKey).toString('base64url');
  return { payload, signature };
}

/** Shape and signature: a document edited by hand or signed by another key fails here, with `invalid`. */
export function verifySigned<P extends TObject>(
  schema: ReturnType<typeof signedSchema<P>>,
  candidate: unknown,
  keys: PublicKeys,
  what: string,
  invalid: Extract<ErrorCode, 'certificate_invalid' | 'grant_invalid'>,
): Result<Static<P>> {
  if (!Value.Check(schema, candidate)) {
    return fail(invalid, `The ${what} is damaged or not a Seatkeeper ${what}.`);
  }
  const { payload, signature } = candidate as unknown as {
    payload: Static<P> & { kid: string };
    signature: string;
  };
  const key = keys.get(payload.kid);
  if (key === undefined) {
    return fail(invalid, `The ${what} is signed by ${payload.kid}, which is not a pinned vendor key.`);
  }
  const valid = verify(null, Buffer.from(canonicalJson(payload)), key, Buffer.from(signature, 'base64url'));
  return valid ? ok(payload) : fail(invalid, `The ${what} signature does not verify.`);
}
