import type { KeyObject } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { Result } from './errors.js';
import type { GatewayBinding } from './gateway-seats.js';
import { type PublicKeys, signedSchema, signPayload, verifySigned } from './signed.js';

/**
 * What the service tells an enrolled gateway about its licenses, signed: each license bound to it
 * (its own, and the replicas it holds of shared ones) with its term, and for a shared license the
 * seats this gateway holds of the pool and until when. The gateway counts its seats from this
 * alone, so editing its state file gains nothing; it trusts the statement until `validUntil`.
 */
const Instant = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' });

export const StatementLicenseSchema = Type.Object(
  {
    licenseId: Type.String(),
    keyHint: Type.String(),
    sku: Type.String(),
    kind: Type.Union([Type.Literal('secupoint'), Type.Literal('pro')]),
    users: Type.Integer({ minimum: 0 }),
    starts: Instant,
    ends: Instant,
    /**
     * A license still Merging counts only this long, not the statement's whole validity: its
     * association can still be undone and the license given to another gateway.
     */
    trustedUntil: Type.Optional(Instant),
    /** A shared license (owned or a replica): the seats held of its pool; null when it is this gateway's alone. */
    lease: Type.Union([
      Type.Object({ seats: Type.Integer({ minimum: 0 }), until: Instant }, { additionalProperties: false }),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

export const GatewayStatementPayloadSchema = Type.Object(
  {
    format: Type.Literal('seatkeeper-gateway-statement/1'),
    kid: Type.String(),
    deviceId: Type.String(),
    organizationId: Type.String(),
    issuedAt: Instant,
    validUntil: Instant,
    licenses: Type.Array(StatementLicenseSchema, { maxItems: 10_000 }),
  },
  { additionalProperties: false },
);

export const GatewayStatementSchema = signedSchema(GatewayStatementPayloadSchema, 'GatewayStatement');

export type StatementLicense = Static<typeof StatementLicenseSchema>;
export type GatewayStatementPayload = Static<typeof GatewayStatementPayloadSchema>;
export type GatewayStatement = Static<typeof GatewayStatementSchema>;

export const signGatewayStatement = (
  payload: GatewayStatementPayload,
  privateKey: KeyObject,
): GatewayStatement => signPayload(payload, privateKey);

export const verifyGatewayStatement = (
  candidate: unknown,
  keys: PublicKeys,
): Result<GatewayStatementPayload> =>
  verifySigned(GatewayStatementSchema, candidate, keys, 'gateway statement', 'grant_invalid');

/** The statement's licenses as the seat engine reads them (see `gatewaySeats`). */
export const statementBindings = (payload: GatewayStatementPayload): GatewayBinding[] =>
  payload.licenses.map((license) => ({
    licenseId: license.licenseId,
    keyHint: license.keyHint,
    kind: license.kind,
    users: license.users,
    term: { starts: new Date(license.starts), ends: new Date(license.ends) },
    ...(license.lease === null
      ? {}
      : { lease: { seats: license.lease.seats, until: new Date(license.lease.until) } }),
    ...(license.trustedUntil === undefined ? {} : { trustedUntil: new Date(license.trustedUntil) }),
  }));
