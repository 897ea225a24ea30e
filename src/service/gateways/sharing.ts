import type { GatewayLicense } from '../../contract/gateways.js';
import { ok, type Result } from '../../domain/errors.js';
import { checkShare, checkUndoShare } from '../../domain/gateway-sharing.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { inTransaction } from '../store/transaction.js';
import { lockOrganizations } from './access.js';
import { administeredDevice, asGateway } from './devices.js';
import { administeredLicense, recordLicenseChange } from './licenses.js';
import { replicasOf, termOf } from './repository.js';

/**
 * Sharing a license of more than 100 users with up to 2 more gateways of its organization: each
 * gets a replica bound to the same pool, whose seats the gateways lease (see statement.ts), so
 * that all of them together never hold more than the license's users.
 */
export async function shareLicense(
  ctx: ServiceContext,
  principal: Principal,
  licenseId: string,
  deviceIds: readonly string[],
): Promise<Result<GatewayLicense>> {
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    const locked = await lockOrganizations(tx, ctx.store.engine, { licenseIds: [licenseId], deviceIds });
    const license = await administeredLicense(tx, principal, licenseId, locked);
    if (!license.ok) return license;
    const targets = [];
    for (const deviceId of deviceIds) {
      const device = await administeredDevice(tx, principal, deviceId, locked);
      if (!device.ok) return { ok: false as const, error: { ...device.error, field: 'deviceIds' } };
      targets.push(asGateway(device.value));
    }
    const replicas = await replicasOf(tx, [licenseId]);
    const added = checkShare(
      {
        licenseId,
        organizationId: license.value.organization_id,
        deviceId: license.value.device_id,
        kind: license.value.kind,
        users: license.value.users,
        term: termOf(license.value),
      },
      replicas,
      targets,
      now,
    );
    if (!added.ok) return added;
    await tx
      .insertInto('gateway_replicas')
      .values(
        added.value.map((replica) => ({
          license_id: licenseId,
          device_id: replica.deviceId,
          created_at: now.getTime(),
        })),
      )
      .execute();
    return ok(await recordLicenseChange(tx, principal, license.value, 'shared', now));
  });
}

/** "Undo" on a replica: the gateway leaves the pool; the seats it leased return when its lease runs out. */
export async function undoShare(
  ctx: ServiceContext,
  principal: Principal,
  licenseId: string,
  deviceId: string,
): Promise<Result<GatewayLicense>> {
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    const locked = await lockOrganizations(tx, ctx.store.engine, { licenseIds: [licenseId] });
    const license = await administeredLicense(tx, principal, licenseId, locked);
    if (!license.ok) return license;
    const replica = checkUndoShare(
      { licenseId, organizationId: license.value.organization_id, deviceId: license.value.device_id },
      await replicasOf(tx, [licenseId]),
      deviceId,
    );
    if (!replica.ok) return replica;
    await tx
      .deleteFrom('gateway_replicas')
      .where('license_id', '=', licenseId)
      .where('device_id', '=', deviceId)
      .execute();
    // Its lease stays until it runs out: the gateway trusts it until then, so the pool counts it.
    return ok(await recordLicenseChange(tx, principal, license.value, 'share_undone', now, { deviceId }));
  });
}
