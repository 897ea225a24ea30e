import type { Static } from '@sinclair/typebox';
import { checker } from '../../contract/check.js';
import { type Device, type DeviceView, type Inventory, RegisterDevice } from '../../contract/gateways.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import type { GatewayDevice } from '../../domain/gateway-inventory.js';
import { deviceStanding, fleetSummary } from '../../domain/gateway-lifecycle.js';
import { checkDeviceMove, planReplacement } from '../../domain/gateway-moves.js';
import { gatewayGrants } from '../../domain/gateway-seats.js';
import { newId } from '../../domain/ids.js';
import { GATEWAY_POLICY } from '../../domain/seats.js';
import { recordAudit } from '../audit/log.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import type { GatewayDeviceRow } from '../store/gateway-schema.js';
import { inTransaction } from '../store/transaction.js';
import { refuseConflict } from '../store/unique.js';
import { actorOf, administeredIds, administeredOrganization, lockOrganizations } from './access.js';
import { deviceBindings } from './bindings.js';
import {
  deviceById,
  devicesOf,
  licensesOnDevice,
  organizationById,
  replicasOf,
  replicatedOnDevice,
} from './repository.js';
import { boundTerms, deviceFacts, deviceView, licenseView } from './views.js';

const registerDeviceInput = checker(RegisterDevice);

/** The organization's inventory of gateways: registering, the device list and page, moves, replacement. */

/** A MAC as the device list prints it: upper case, colons. */
const canonicalMac = (mac: string): string =>
  (mac.replace(/[:-]/g, '').toUpperCase().match(/../g) ?? []).join(':');

export const asGateway = (row: GatewayDeviceRow): GatewayDevice => ({
  deviceId: row.id,
  organizationId: row.organization_id,
  replaced: row.replaced_by !== null,
});

async function viewOf(db: Database, row: GatewayDeviceRow, now: Date): Promise<Device> {
  return deviceView(row, deviceFacts(await deviceBindings(db, row.id, now), now));
}

export async function registerDevice(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
  input: RegisterDevice,
): Promise<Result<Device>> {
  // The route checked the body already; the command line comes here unchecked.
  const checked = registerDeviceInput(input);
  if (!checked.ok)
    return fail(
      'validation_failed',
      `The device is not valid: ${checked.wrong}.`,
      checked.wrong.split(':')[0]?.slice(1),
    );
  const db = ctx.store.db;
  const organization = await administeredOrganization(db, principal, organizationId);
  if (!organization.ok) return organization;
  const now = ctx.clock.now();
  const row: GatewayDeviceRow = {
    id: newId('dev', now.getTime()),
    organization_id: organizationId,
    serial_number: input.serialNumber.toUpperCase(),
    mac: canonicalMac(input.mac),
    model: input.model.trim(),
    name: input.name.trim(),
    registered_at: now.getTime(),
    registered_by: actorOf(principal),
    replaced_by: null,
    replaced_at: null,
    enrollment_digest: null,
    enrollment_expires_at: null,
    credential_digest: null,
    enrolled_at: null,
    last_seen_at: null,
    version: 0,
  };
  if (row.name === '' || row.model === '')
    return fail('validation_failed', 'A device has a name and a model.', row.name === '' ? 'name' : 'model');
  return refuseConflict(
    () =>
      inTransaction(db, async (tx) => {
        await tx.insertInto('gateway_devices').values(row).execute();
        await recordAudit(tx, now, [
          {
            actor: actorOf(principal),
            accountId: organization.value.account_id,
            entity: 'device',
            entityId: row.id,
            action: 'registered',
            after: {
              organizationId,
              name: row.name,
              model: row.model,
              serialNumber: row.serial_number,
              mac: row.mac,
            },
          },
        ]);
        return ok(await viewOf(tx, row, now));
      }),
    () =>
      fail(
        'device_taken',
        `A device with serial number ${row.serial_number} or MAC ${row.mac} is registered already.`,
        'serialNumber',
      ),
  );
}

/** The device list with its header: the earliest expiry, expired devices, devices expiring within 30 days. */
export async function inventory(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
): Promise<Result<Static<typeof Inventory>>> {
  const db = ctx.store.db;
  const organization = await administeredOrganization(db, principal, organizationId);
  if (!organization.ok) return organization;
  const now = ctx.clock.now();
  const rows = await devicesOf(db, organizationId);
  const devices = await Promise.all(rows.map((row) => viewOf(db, row, now)));
  const live = devices.filter((device) => device.replacedBy === null);
  const summary = fleetSummary(
    live.map((device) => ({
      status: device.licenseStatus,
      expiresAt: device.expiresAt === null ? null : new Date(device.expiresAt),
      merging: device.merging,
    })),
  );
  return ok({
    summary: { ...summary, earliestExpiry: summary.earliestExpiry?.toISOString() ?? null },
    devices,
  });
}

/** A device the caller administers, by id; unknown otherwise. */
export async function administeredDevice(
  db: Database,
  principal: Principal,
  deviceId: string,
  locked?: ReadonlySet<string>,
): Promise<Result<GatewayDeviceRow>> {
  const row = await deviceById(db, deviceId);
  const unknown = fail('device_not_found', `There is no gateway device ${deviceId}.`, 'deviceId');
  if (row === undefined) return unknown;
  if (locked !== undefined && !locked.has(row.organization_id))
    return fail(
      'gateway_changed',
      `Device ${deviceId} moved to another organization meanwhile: try again.`,
      'deviceId',
    );
  const organization = await administeredOrganization(db, principal, row.organization_id);
  if (!organization.ok) return organization.error.code === 'organization_not_found' ? unknown : organization;
  return ok(row);
}

/**
 * The device page: the "SecuPoint VPN Client" maximum at the top, the Pro license's standing, and
 * every license bound to it with what it gives now.
 */
export async function showDevice(
  ctx: ServiceContext,
  principal: Principal,
  deviceId: string,
): Promise<Result<DeviceView>> {
  const db = ctx.store.db;
  const row = await administeredDevice(db, principal, deviceId);
  if (!row.ok) return row;
  const now = ctx.clock.now();
  const bound = await deviceBindings(db, deviceId, now);
  const facts = deviceFacts(bound, now);
  const replicas = await replicasOf(
    db,
    [...bound.own, ...bound.replicas].map((license) => license.id),
  );
  const replicasOfLicense = (licenseId: string) =>
    replicas.filter((replica) => replica.licenseId === licenseId).map((replica) => replica.deviceId);
  const at = now.getTime();
  const givesNow = new Map(
    gatewayGrants(bound.bindings)
      .filter(
        (grant) =>
          grant.starts.getTime() <= at &&
          at < grant.ends.getTime() &&
          at < grant.certificateExpiresAt.getTime(),
      )
      .map((grant) => [grant.licenseId, grant.seats]),
  );
  const pro = deviceStanding(boundTerms(bound), now, 'pro');
  return ok({
    device: deviceView(row.value, facts),
    secupointVpnClient: {
      maximum: deviceView(row.value, facts).vpnSeats,
      builtIn: GATEWAY_POLICY.builtInSeats,
    },
    pro: { status: pro.status, expiresAt: pro.expiresAt?.toISOString() ?? null },
    licenses: [
      ...bound.own.map((license) => ({ license, role: 'own' as const })),
      ...bound.replicas.map((license) => ({ license, role: 'replica' as const })),
    ].map(({ license, role }) => ({
      license: licenseView(license, replicasOfLicense(license.id), now),
      role,
      seats: givesNow.get(license.id) ?? 0,
    })),
  });
}

/** A device moves to another organization of the user's with every license associated with it. */
export async function moveDevice(
  ctx: ServiceContext,
  principal: Principal,
  deviceId: string,
  toOrganizationId: string,
): Promise<Result<Device>> {
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    const organizations = await lockOrganizations(tx, ctx.store.engine, {
      deviceIds: [deviceId],
      organizationIds: [toOrganizationId],
    });
    const visible = await administeredDevice(tx, principal, deviceId, organizations);
    if (!visible.ok) return visible;
    const locked = visible.value;
    const target = await administeredOrganization(tx, principal, toOrganizationId);
    if (!target.ok && target.error.code === 'organization_not_found') return target;
    const owned = await licensesOnDevice(tx, deviceId);
    const held = await replicatedOnDevice(tx, deviceId);
    const replicas = [
      ...(await replicasOf(
        tx,
        owned.map((license) => license.id),
      )),
      ...held.map((license) => ({ licenseId: license.id, deviceId })),
    ];
    const holdings = owned.map((license) => ({
      licenseId: license.id,
      organizationId: license.organization_id,
      deviceId: license.device_id,
    }));
    const moving = checkDeviceMove(
      asGateway(locked),
      holdings,
      replicas,
      toOrganizationId,
      await administeredIds(tx, principal),
    );
    if (!moving.ok) return moving;
    await tx
      .updateTable('gateway_devices')
      .set({ organization_id: toOrganizationId })
      .where('id', '=', deviceId)
      .execute();
    if (moving.value.length > 0)
      await tx
        .updateTable('gateway_licenses')
        .set((eb) => ({ organization_id: toOrganizationId, version: eb('version', '+', 1) }))
        .where('id', 'in', moving.value)
        .execute();
    const moved = { ...locked, organization_id: toOrganizationId };
    await recordAudit(tx, now, [
      {
        actor: actorOf(principal),
        accountId: target.ok ? target.value.account_id : null,
        entity: 'device',
        entityId: deviceId,
        action: 'moved',
        before: { organizationId: locked.organization_id },
        after: { organizationId: toOrganizationId, licenses: moving.value },
      },
    ]);
    return ok(await viewOf(tx, moved, now));
  });
}

/**
 * Replace Device: every license of the failed gateway, and every replica it held, goes to its
 * replacement in one step, keeping its association date and term. The failed device keeps its
 * record (it was registered, it failed) but holds and counts nothing, and its credential ends.
 */
export async function replaceDevice(
  ctx: ServiceContext,
  principal: Principal,
  deviceId: string,
  replacementId: string,
): Promise<Result<DeviceView>> {
  const now = ctx.clock.now();
  const replaced = await inTransaction(ctx.store.db, async (tx) => {
    const locked = await lockOrganizations(tx, ctx.store.engine, { deviceIds: [deviceId, replacementId] });
    const failed = await administeredDevice(tx, principal, deviceId, locked);
    if (!failed.ok) return failed;
    const replacement = await administeredDevice(tx, principal, replacementId, locked);
    if (!replacement.ok)
      return { ok: false as const, error: { ...replacement.error, field: 'replacementId' } };
    const failedRow = failed.value;
    const replacementRow = replacement.value;
    const owned = [...(await licensesOnDevice(tx, deviceId)), ...(await licensesOnDevice(tx, replacementId))];
    const held = [
      ...(await replicatedOnDevice(tx, deviceId)).map((license) => ({ licenseId: license.id, deviceId })),
      ...(await replicatedOnDevice(tx, replacementId)).map((license) => ({
        licenseId: license.id,
        deviceId: replacementId,
      })),
    ];
    const plan = planReplacement(
      asGateway(failedRow),
      asGateway(replacementRow),
      owned.map((license) => ({
        licenseId: license.id,
        organizationId: license.organization_id,
        deviceId: license.device_id,
      })),
      held,
    );
    if (!plan.ok) return plan;
    const { licenses, replicasMoved, replicasDropped } = plan.value;
    for (const dropped of replicasDropped) {
      await tx
        .deleteFrom('gateway_replicas')
        .where('license_id', '=', dropped.licenseId)
        .where('device_id', '=', dropped.deviceId)
        .execute();
    }
    // The failed device's leases run out by themselves; until then the pools count them.
    if (licenses.length > 0) {
      await tx
        .updateTable('gateway_licenses')
        .set((eb) => ({ device_id: replacementId, version: eb('version', '+', 1) }))
        .where('id', 'in', licenses)
        .execute();
      await tx
        .updateTable('gateway_associations')
        .set({ device_id: replacementId })
        .where('license_id', 'in', licenses)
        .where('undone_at', 'is', null)
        .execute();
    }
    if (replicasMoved.length > 0)
      await tx
        .updateTable('gateway_replicas')
        .set({ device_id: replacementId })
        .where('device_id', '=', deviceId)
        .where('license_id', 'in', replicasMoved)
        .execute();
    await tx
      .updateTable('gateway_devices')
      .set({
        replaced_by: replacementId,
        replaced_at: now.getTime(),
        credential_digest: null,
        enrollment_digest: null,
        enrollment_expires_at: null,
      })
      .where('id', '=', deviceId)
      .execute();
    await recordAudit(tx, now, [
      {
        actor: actorOf(principal),
        accountId: (await organizationById(tx, failedRow.organization_id))?.account_id ?? null,
        entity: 'device',
        entityId: deviceId,
        action: 'replaced',
        after: { replacementId, licenses, replicasMoved, replicasDropped },
      },
    ]);
    return ok(undefined);
  });
  return replaced.ok ? showDevice(ctx, principal, replacementId) : replaced;
}
