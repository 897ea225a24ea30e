import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { type ErrorCode, type Result, verifyFailMessage } from './errors.js';
import { describeDifference, differingProperties, type Fingerprint } from './fingerprint.js';
import { type PublicKeys, signedSchema, signPayload, verifySigned } from './signed.js';

export type { PublicKeys } from './signed.js';

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
    kind: Type.Union([Type.Literal('fixed'), Type.Literal('failover')]),
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
    legacy: Type.Optional(
      Type.Literal(true, {
        description: 'Old terms: counts past its support term on the machine it is bound to',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CertificateSchema = signedSchema(CertificatePayloadSchema, 'LicenseCertificate');

export type CertificatePayload = Static<typeof CertificatePayloadSchema>;
export type LicenseCertificate = Static<typeof CertificateSchema>;

/** `kid_` and the start of the SHA-256 of the raw public key: stable, short, derived from the key. */
export function keyIdOf(publicKey: KeyObject): string {
  const raw = publicKey.export({ format: 'der', type: 'spki' });
  return `kid_${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

export const signCertificate = (payload: CertificatePayload, privateKey: KeyObject): LicenseCertificate =>
  signPayload(payload, privateKey);

export const publicKeyFromPem = (pem: string): KeyObject => createPublicKey(pem);

export const verifyCertificate = (candidate: unknown, keys: PublicKeys): Result<CertificatePayload> =>
  verifySigned(CertificateSchema, candidate, keys, 'license certificate', 'certificate_invalid');

/** The last instant a Date can hold: a window that never ends. */
const END_OF_TIME = new Date(8_640_000_000_000_000);

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
      // A legacy key's support term decides replacements, not whether it counts on its machine.
      ends: payload.legacy === true ? END_OF_TIME : new Date(payload.ends),
      certificateExpiresAt: new Date(payload.expiresAt),
    },
  };
}
