import type { Static } from '@sinclair/typebox';
import type { EnrollAnswer, Enrollment } from '../../contract/gateways.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { recordAudit } from '../audit/log.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { newToken, tokenDigest } from '../secrets/seal.js';
import { inTransaction } from '../store/transaction.js';
import { actorOf, administeredOrganization } from './access.js';
import { deviceById, organizationById } from './repository.js';

/**
 * Enrollment: an administrator asks for a one-time code for a gateway and types it on the gateway,
 * which exchanges it for its device credential. Both are stored only as digests; the code lives a
 * day, and a new code replaces the one before, as a new enrollment replaces the credential before.
 */
export const ENROLLMENT_CODE_TTL_MS = 24 * 60 * 60_000;

export type EnrollmentView = Static<typeof Enrollment>;
export type EnrollAnswerView = Static<typeof EnrollAnswer>;

const deviceNotFound = (deviceId: string) =>
  fail('device_not_found', `There is no gateway device ${deviceId}.`, 'id');

const replaced = (deviceId: string, replacement: string, field: string) =>
  fail(
    'device_replaced',
    `Gateway ${deviceId} was replaced by ${replacement}: enroll the replacement instead.`,
    field,
  );

/** A new enrollment code for the gateway, for an administrator of its organization; shown once. */
export async function createEnrollment(
  ctx: ServiceContext,
  principal: Principal,
  deviceId: string,
): Promise<Result<EnrollmentView>> {
  const db = ctx.store.db;
  const device = await deviceById(db, deviceId);
  if (device === undefined) return deviceNotFound(deviceId);
  const organization = await administeredOrganization(db, principal, device.organization_id);
  if (!organization.ok)
    // A caller who may not see the organization may not learn that the device exists either.
    return organization.error.code === 'organization_not_found' ? deviceNotFound(deviceId) : organization;
  if (device.replaced_by !== null) return replaced(deviceId, device.replaced_by, 'id');

  const now = ctx.clock.now();
  const code = newToken('ske');
  const expiresAt = now.getTime() + ENROLLMENT_CODE_TTL_MS;
  return inTransaction(db, async (tx) => {
    // Conditional on what was checked above: a device moved or replaced meanwhile gets no code.
    const set = await tx
      .updateTable('gateway_devices')
      .set((eb) => ({
        enrollment_digest: tokenDigest(code),
        enrollment_expires_at: expiresAt,
        version: eb('version', '+', 1),
      }))
      .where('id', '=', deviceId)
      .where('organization_id', '=', device.organization_id)
      .where('replaced_by', 'is', null)
      .executeTakeFirst();
    if (set.numUpdatedRows === 0n) {
      const current = await deviceById(tx, deviceId);
      if (current?.replaced_by != null) return replaced(deviceId, current.replaced_by, 'id');
      return fail(
        'device_not_in_organization',
        `Gateway ${deviceId} moved to another organization meanwhile: ask again there.`,
        'id',
      );
    }
    await recordAudit(tx, now, [
      {
        actor: actorOf(principal),
        accountId: organization.value.account_id,
        entity: 'device',
        entityId: deviceId,
        action: 'enrollment_created',
        after: { expiresAt: new Date(expiresAt).toISOString() },
      },
    ]);
    return ok({ deviceId, code, expiresAt: new Date(expiresAt).toISOString() });
  });
}

const invalidCode = () =>
  fail(
    'enrollment_invalid',
    'This enrollment code is unknown, was used already or has expired: ask an administrator of the gateway’s organization for a new one (it is valid for 24 hours, once).',
    'code',
  );

/**
 * The gateway's side: a valid code, once, for the device credential. The exchange is one
 * conditional update, so of two gateways presenting the same code at once only one enrolls.
 */
export async function enrollDevice(ctx: ServiceContext, code: string): Promise<Result<EnrollAnswerView>> {
  const now = ctx.clock.now();
  const digest = tokenDigest(code);
  const credential = newToken('skd');
  return inTransaction(ctx.store.db, async (tx) => {
    const enrolled = await tx
      .updateTable('gateway_devices')
      .set((eb) => ({
        enrollment_digest: null,
        enrollment_expires_at: null,
        credential_digest: tokenDigest(credential),
        enrolled_at: now.getTime(),
        version: eb('version', '+', 1),
      }))
      .where('enrollment_digest', '=', digest)
      .where('enrollment_expires_at', '>', now.getTime())
      .where('replaced_by', 'is', null)
      .returning(['id', 'organization_id'])
      .executeTakeFirst();
    if (enrolled === undefined) {
      const holder = await tx
        .selectFrom('gateway_devices')
        .select(['id', 'replaced_by'])
        .where('enrollment_digest', '=', digest)
        .executeTakeFirst();
      return holder?.replaced_by != null ? replaced(holder.id, holder.replaced_by, 'code') : invalidCode();
    }
    const organization = await organizationById(tx, enrolled.organization_id);
    await recordAudit(tx, now, [
      {
        actor: enrolled.id,
        accountId: organization?.account_id ?? null,
        entity: 'device',
        entityId: enrolled.id,
        action: 'enrolled',
        after: { enrolledAt: now.toISOString() },
      },
    ]);
    return ok({ deviceId: enrolled.id, organizationId: enrolled.organization_id, credential });
  });
}
