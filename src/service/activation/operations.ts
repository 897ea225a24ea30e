import { type LicenseCertificate, signCertificate } from '../../domain/certificate.js';
import { fail, ok, type Result, verifyFailMessage } from '../../domain/errors.js';
import {
  describeDifference,
  differingProperties,
  fingerprintOf,
  type MachineProperties,
  type PropertyDigests,
} from '../../domain/fingerprint.js';
import { newId } from '../../domain/ids.js';
import { isoDate } from '../../domain/terms.js';
import type { ServiceContext } from '../context.js';
import { findLicenseByKey } from '../licenses/operations.js';
import type { ActivationRow, LicenseRow } from '../store/schema.js';

export interface ActivationRequest {
  key: string;
  serverId: string;
  fingerprint: MachineProperties;
  nonce: string;
}

export interface ActivationResult {
  licenseId: string;
  activationId: string;
  /** True when this request made the binding; false when it confirmed an existing one. */
  created: boolean;
  certificate: LicenseCertificate;
}

function usable(license: LicenseRow, now: Date): Result<LicenseRow> {
  if (license.revoked_at !== null)
    return fail('license_revoked', 'This license key has been revoked and can no longer be used.', 'key');
  if (now.getTime() >= license.ends_at) {
    return fail(
      'license_expired',
      `This license key's support term ended on ${isoDate(new Date(license.ends_at))}: renew it or buy a new key.`,
      'key',
    );
  }
  return ok(license);
}

/** The binding must be this server on this machine; anything else is the seeds' refusal. */
function sameBinding(
  activation: ActivationRow,
  request: ActivationRequest,
  digest: string,
  properties: PropertyDigests,
): Result<ActivationRow> {
  if (activation.server_id !== request.serverId) {
    return fail(
      'key_already_activated',
      verifyFailMessage(
        'this license key is already activated on another server; a key can be activated on one server only',
      ),
      'key',
    );
  }
  if (activation.fingerprint_digest !== digest) {
    const differing = differingProperties(JSON.parse(activation.fingerprint) as PropertyDigests, properties);
    return fail('fingerprint_mismatch', verifyFailMessage(describeDifference(differing)), 'fingerprint');
  }
  return ok(activation);
}

function certify(
  ctx: ServiceContext,
  license: LicenseRow,
  request: ActivationRequest,
  now: Date,
): LicenseCertificate {
  const { digest, properties } = fingerprintOf(request.fingerprint);
  return signCertificate(
    {
      format: 'seatkeeper-license-certificate/1',
      kid: ctx.vendor.kid,
      licenseId: license.id,
      keyHint: license.key_hint,
      kind: license.kind,
      seats: license.seats,
      starts: new Date(license.starts_at).toISOString(),
      ends: new Date(license.ends_at).toISOString(),
      serverId: request.serverId,
      fingerprint: { digest, properties },
      nonce: request.nonce,
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ctx.policy.certificateTtlMs).toISOString(),
    },
    ctx.vendor.privateKey,
  );
}

async function confirm(
  ctx: ServiceContext,
  license: LicenseRow,
  activation: ActivationRow,
  request: ActivationRequest,
  now: Date,
): Promise<Result<ActivationResult>> {
  const { digest, properties } = fingerprintOf(request.fingerprint);
  const same = sameBinding(activation, request, digest, properties);
  if (!same.ok) return same;
  await ctx.store.db
    .updateTable('activations')
    .set((eb) => ({ refreshed_at: now.getTime(), certificates_issued: eb('certificates_issued', '+', 1) }))
    .where('id', '=', activation.id)
    .execute();
  return ok({
    licenseId: license.id,
    activationId: activation.id,
    created: false,
    certificate: certify(ctx, license, request, now),
  });
}

/**
 * Online activation. The first server binds the key for good; the same server asking again gets
 * a fresh certificate; any other server is refused. The unique license_id of an activation decides
 * races: of many servers inserting at once, exactly one row lands.
 */
export async function activate(
  ctx: ServiceContext,
  request: ActivationRequest,
): Promise<Result<ActivationResult>> {
  const found = await findLicenseByKey(ctx.store.db, request.key);
  if (!found.ok) return found;
  const now = ctx.clock.now();
  const license = usable(found.value, now);
  if (!license.ok) return license;

  const { digest, properties } = fingerprintOf(request.fingerprint);
  const activationId = newId('act', now.getTime());
  const inserted = await ctx.store.db
    .insertInto('activations')
    .values({
      id: activationId,
      license_id: license.value.id,
      server_id: request.serverId,
      fingerprint_digest: digest,
      fingerprint: JSON.stringify(properties),
      hostname: request.fingerprint.hostname,
      activated_at: now.getTime(),
      refreshed_at: now.getTime(),
    })
    .onConflict((conflict) => conflict.column('license_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted !== undefined) {
    return ok({
      licenseId: license.value.id,
      activationId,
      created: true,
      certificate: certify(ctx, license.value, request, now),
    });
  }
  const existing = await ctx.store.db
    .selectFrom('activations')
    .selectAll()
    .where('license_id', '=', license.value.id)
    .executeTakeFirstOrThrow();
  return confirm(ctx, license.value, existing, request, now);
}

/** A bound server's fresh certificate before its TTL ends. Never makes a new binding. */
export async function refresh(
  ctx: ServiceContext,
  request: ActivationRequest,
): Promise<Result<ActivationResult>> {
  const found = await findLicenseByKey(ctx.store.db, request.key);
  if (!found.ok) return found;
  const now = ctx.clock.now();
  const license = usable(found.value, now);
  if (!license.ok) return license;
  const existing = await ctx.store.db
    .selectFrom('activations')
    .selectAll()
    .where('license_id', '=', license.value.id)
    .executeTakeFirst();
  if (existing === undefined) {
    return fail(
      'not_activated',
      'This license key is not activated yet: activate it before refreshing.',
      'key',
    );
  }
  return confirm(ctx, license.value, existing, request, now);
}
