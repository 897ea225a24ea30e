import type { GatewayLicense } from '../../contract/gateways.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { checkAssociate, checkUndo } from '../../domain/gateway-lifecycle.js';
import { checkLicenseMove } from '../../domain/gateway-moves.js';
import { newId } from '../../domain/ids.js';
import { recordAudit } from '../audit/log.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import { inTransaction } from '../store/transaction.js';
import { actorOf, administeredIds, administeredOrganization, lockOrganizations } from './access.js';
import { administeredDevice, asGateway } from './devices.js';
import {
  associationsOfDevice,
  currentAssociation,
  type HeldLicense,
  licenseById,
  licensesOf,
  organizationById,
  replicasInOrganization,
  replicasOf,
} from './repository.js';
import { licenseView } from './views.js';

/** An organization's licenses: the list, associating one with a gateway, undoing that, moving one. */

export async function listLicenses(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
): Promise<Result<GatewayLicense[]>> {
  const db = ctx.store.db;
  const organization = await administeredOrganization(db, principal, organizationId);
  if (!organization.ok) return organization;
  const licenses = await licensesOf(db, organizationId);
  const replicas = await replicasInOrganization(db, organizationId);
  const now = ctx.clock.now();
  return ok(
    licenses.map((license) =>
      licenseView(
        license,
        replicas.filter((replica) => replica.licenseId === license.id).map((replica) => replica.deviceId),
        now,
      ),
    ),
  );
}

/** A license the caller administers, read after its row was locked; unknown otherwise. */
export async function administeredLicense(
  tx: Database,
  principal: Principal,
  licenseId: string,
  locked?: ReadonlySet<string>,
): Promise<Result<HeldLicense>> {
  const license = await licenseById(tx, licenseId);
  const unknown = fail('gateway_license_not_found', `There is no gateway license ${licenseId}.`, 'licenseId');
  if (license === undefined) return unknown;
  if (locked !== undefined && !locked.has(license.organization_id))
    return fail(
      'gateway_changed',
      `License ${licenseId} moved to another organization meanwhile: try again.`,
      'licenseId',
    );
  const organization = await administeredOrganization(tx, principal, license.organization_id);
  if (!organization.ok) return organization.error.code === 'organization_not_found' ? unknown : organization;
  return ok(license);
}

export async function showLicense(
  ctx: ServiceContext,
  principal: Principal,
  licenseId: string,
): Promise<Result<GatewayLicense>> {
  const license = await administeredLicense(ctx.store.db, principal, licenseId);
  if (!license.ok) return license;
  const replicas = await replicasOf(ctx.store.db, [licenseId]);
  return ok(
    licenseView(
      license.value,
      replicas.map((replica) => replica.deviceId),
      ctx.clock.now(),
    ),
  );
}

const audited = (license: HeldLicense) => ({
  organizationId: license.organization_id,
  keyHint: license.key_hint,
  sku: license.sku,
  deviceId: license.device_id,
  associatedAt: license.associated_at === null ? null : new Date(license.associated_at).toISOString(),
  activatedAt: license.activated_at === null ? null : new Date(license.activated_at).toISOString(),
});

/** Records the change in the audit log and answers the license as it is now, replicas included. */
export async function recordLicenseChange(
  tx: Database,
  principal: Principal,
  before: HeldLicense,
  action: string,
  now: Date,
  detail: Record<string, unknown> = {},
): Promise<GatewayLicense> {
  const after = await licenseById(tx, before.id);
  if (after === undefined) throw new Error(`license ${before.id} vanished in its own transaction`);
  const organization = await organizationById(tx, after.organization_id);
  const replicas = (await replicasOf(tx, [before.id])).map((replica) => replica.deviceId);
  await recordAudit(tx, now, [
    {
      actor: actorOf(principal),
      accountId: organization?.account_id ?? null,
      entity: 'gateway_license',
      entityId: before.id,
      action,
      before: audited(before),
      after: { ...audited(after), replicas, ...detail },
    },
  ]);
  return licenseView(after, replicas, now);
}

/**
 * Associates a license of the inventory with a gateway of its organization. Its term starts now,
 * at its first association; it is Merging for 7 days, in which the association can be undone.
 */
export async function associateLicense(
  ctx: ServiceContext,
  principal: Principal,
  licenseId: string,
  deviceId: string,
): Promise<Result<GatewayLicense>> {
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    const locked = await lockOrganizations(tx, ctx.store.engine, {
      licenseIds: [licenseId],
      deviceIds: [deviceId],
    });
    const license = await administeredLicense(tx, principal, licenseId, locked);
    if (!license.ok) return license;
    const device = await administeredDevice(tx, principal, deviceId, locked);
    if (!device.ok) return device;
    const start = checkAssociate(
      {
        licenseId,
        organizationId: license.value.organization_id,
        deviceId: license.value.device_id,
        activatedAt: license.value.activated_at === null ? null : new Date(license.value.activated_at),
        termYears: license.value.term_years,
      },
      asGateway(device.value),
      now,
    );
    if (!start.ok) return start;
    const { activatedAt, associatedAt } = start.value;
    await tx
      .updateTable('gateway_licenses')
      .set({
        device_id: deviceId,
        associated_at: associatedAt.getTime(),
        activated_at: activatedAt.getTime(),
      })
      .where('id', '=', licenseId)
      .execute();
    await tx
      .insertInto('gateway_associations')
      .values({
        id: newId('gwa', now.getTime()),
        license_id: licenseId,
        device_id: deviceId,
        associated_at: associatedAt.getTime(),
        undone_at: null,
      })
      .execute();
    return ok(await recordLicenseChange(tx, principal, license.value, 'associated', now));
  });
}

/** Undo, within the license's 7 Merging days: back to the inventory, its term still running. */
export async function undoAssociation(
  ctx: ServiceContext,
  principal: Principal,
  licenseId: string,
): Promise<Result<GatewayLicense>> {
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    const locked = await lockOrganizations(tx, ctx.store.engine, { licenseIds: [licenseId] });
    const license = await administeredLicense(tx, principal, licenseId, locked);
    if (!license.ok) return license;
    const deviceId = license.value.device_id;
    const association = deviceId === null ? undefined : await currentAssociation(tx, licenseId);
    if (deviceId === null || association === undefined)
      return fail(
        'license_not_associated',
        'The license is in the inventory, associated with no device.',
        'licenseId',
      );
    const history = await associationsOfDevice(tx, deviceId);
    const replicas = await replicasOf(tx, [licenseId]);
    const allowed = checkUndo(
      {
        licenseId,
        deviceId: association.device_id,
        associatedAt: new Date(association.associated_at),
        undoneAt: association.undone_at === null ? null : new Date(association.undone_at),
      },
      history.map((other) => ({
        licenseId: other.license_id,
        deviceId: other.device_id,
        associatedAt: new Date(other.associated_at),
        undoneAt: other.undone_at === null ? null : new Date(other.undone_at),
      })),
      now,
      replicas.length,
    );
    if (!allowed.ok) return allowed;
    await tx
      .updateTable('gateway_associations')
      .set({ undone_at: now.getTime() })
      .where('id', '=', association.id)
      .execute();
    await tx
      .updateTable('gateway_licenses')
      .set({ device_id: null, associated_at: null })
      .where('id', '=', licenseId)
      .execute();
    return ok(await recordLicenseChange(tx, principal, license.value, 'association_undone', now));
  });
}

/** An unassociated license moves to another organization its user administers. */
export async function moveLicense(
  ctx: ServiceContext,
  principal: Principal,
  licenseId: string,
  toOrganizationId: string,
): Promise<Result<GatewayLicense>> {
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    const locked = await lockOrganizations(tx, ctx.store.engine, {
      licenseIds: [licenseId],
      organizationIds: [toOrganizationId],
    });
    const license = await administeredLicense(tx, principal, licenseId, locked);
    if (!license.ok) return license;
    const target = await administeredOrganization(tx, principal, toOrganizationId);
    if (!target.ok && target.error.code === 'organization_not_found') return target;
    const allowed = checkLicenseMove(
      { licenseId, organizationId: license.value.organization_id, deviceId: license.value.device_id },
      toOrganizationId,
      await administeredIds(tx, principal),
    );
    if (!allowed.ok) return allowed;
    await tx
      .updateTable('gateway_licenses')
      .set({ organization_id: toOrganizationId })
      .where('id', '=', licenseId)
      .execute();
    return ok(await recordLicenseChange(tx, principal, license.value, 'moved', now));
  });
}
