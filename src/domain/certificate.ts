import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { canonicalJson } from './canonical-json.js';
import { type ErrorCode, fail, ok, type Result, verifyFailMessage } from './errors.js';
import { describeDifference, differingProperties, type Fingerprint } from './fingerprint.js';

/**
 * A license certificate: what the service decided about one key on one server, signed with the
 * vendor's Ed25519 key over the canonical JSON of its payload. The agent trusts nothing else.
 */
const Digest = Type.String({ pattern: '^[0-9a-f]{64}$' });
// A pattern, not `format`, so the check needs no format registry: toISOString's exact shape.
const INSTANT = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';
const Instant = Type.String({ pattern: INSTANT });

export const CertificatePayloadSchema = Type.Object(
  {
    format: Type.Literal('seatkeeper-license-certificate/1'),
    kid: Type.String({ description: 'Id of the vendor signing key' }),
    licenseId: Type.String(),
    keyHint: Type.String({ description: 'Last group of the license key' }),
    kind: Type.Literal('fixed'),
    seats: Type.Integer({ minimum: 1 }),
    starts: Instant,
    ends: Instant,
    serverId: Type.String(),
    fingerprint: Type.Object(
      {
        digest: Digest,
        properties: Type.Object(
          { machineId: Digest, hostname: Digest, macs: Digest, cpu: Digest, os: Digest },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    nonce: Type.String(),
    issuedAt: Instant,
    expiresAt: Type.String({ pattern: INSTANT, description: 'After this the agent must refresh' }),
  },
  { additionalProperties: false },
);

export const CertificateSchema = Type.Object(
  { payload: CertificatePayloadSchema, signature: Type.String({ description: 'Ed25519, base64url' }) },
  { additionalProperties: false, $id: 'LicenseCertificate' },
);

export type CertificatePayload = Static<typeof CertificatePayloadSchema>;
export type LicenseCertificate = Static<typeof CertificateSchema>;

/** `kid_` and the start of the SHA-256 of the raw public key: stable, short, derived from the key. */
export function keyIdOf(publicKey: KeyObject): string {
  const raw = publicKey.export({ format: 'der', type: 'spki' });
  return `kid_${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

export function signCertificate(payload: CertificatePayload, privateKey: KeyObject): LicenseCertificate {
  const signature = sign(null, Buffer.from(canonicalJson(payload)), privateKey).toString('base64url');
  return { payload, signature };
}

export type PublicKeys = ReadonlyMap<string, KeyObject>;

export const publicKeyFromPem = (pem: string): KeyObject => createPublicKey(pem);

/** Shape and signature: a certificate edited by hand or signed by another key fails here. */
export function verifyCertificate(candidate: unknown, keys: PublicKeys): Result<CertificatePayload> {
  if (!Value.Check(CertificateSchema, candidate)) {
    return fail('certificate_invalid', 'The license certificate is damaged or not a Seatkeeper certificate.');
  }
  const { payload, signature } = candidate;
  const key = keys.get(payload.kid);
  if (key === undefined) {
    return fail(
      'certificate_invalid',
      `The certificate is signed by ${payload.kid}, which is not a pinned vendor key.`,
    );
  }
  const valid = verify(null, Buffer.from(canonicalJson(payload)), key, Buffer.from(signature, 'base64url'));
  return valid
    ? ok(payload)
    : fail('certificate_invalid', 'The license certificate signature does not verify.');
}

export interface Grant {
  licenseId: string;
  keyHint: string;
  seats: number;
  starts: Date;
  ends: Date;
  /** The certificate stops counting here even when the term goes on: the agent must refresh. */
  certificateExpiresAt: Date;
}

export type Evaluation = { valid: true; grant: Grant } | { valid: false; code: ErrorCode; reason: string };

/** Whether a verified certificate belongs to this server and this machine. */
export function checkBinding(
  payload: CertificatePayload,
  serverId: string,
  machine: Fingerprint,
): Evaluation {
  if (payload.serverId !== serverId) {
    return {
      valid: false,
      code: 'fingerprint_mismatch',
      reason: verifyFailMessage(`the license was activated on server ${payload.serverId}, not ${serverId}`),
    };
  }
  if (payload.fingerprint.digest !== machine.digest) {
    const differing = differingProperties(payload.fingerprint.properties, machine.properties);
    return {
      valid: false,
      code: 'fingerprint_mismatch',
      reason: verifyFailMessage(describeDifference(differing)),
    };
  }
  return {
    valid: true,
    grant: {
      licenseId: payload.licenseId,
      keyHint: payload.keyHint,
      seats: payload.seats,
      starts: new Date(payload.starts),
      ends: new Date(payload.ends),
      certificateExpiresAt: new Date(payload.expiresAt),
    },
  };
}
