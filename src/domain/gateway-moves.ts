import { fail, ok, type Result } from './errors.js';
import type { GatewayDevice, LicenseHolding, Replica } from './gateway-inventory.js';

/**
 * Moving licenses between organizations and replacing a failed gateway. EnGenius: "You can move
 * un-associated licenses to the other Organization you have the administrator privilege"; "all
 * licenses will be moved to another Organization together with the device"; "users cannot extract
 * the license to re-enter other Organizations". The user must administer both organizations, as
 * Meraki asks for full rights on both.
 */
function checkAdministers(administers: ReadonlySet<string>, from: string, to: string): Result<void> {
  if (to === from)
    return fail('validation_failed', 'Choose another organization than the one it is in.', 'organizationId');
  for (const organizationId of [from, to])
    if (!administers.has(organizationId))
      return fail(
        'organization_not_administered',
        `You are not an administrator of organization ${organizationId}.`,
        'organizationId',
      );
  return ok(undefined);
}

/** An unassociated license moves alone; an associated one only with its device. */
export function checkLicenseMove(
  license: LicenseHolding,
  toOrganizationId: string,
  administers: ReadonlySet<string>,
): Result<void> {
  const allowed = checkAdministers(administers, license.organizationId, toOrganizationId);
  if (!allowed.ok) return allowed;
  if (license.deviceId !== null)
    return fail(
      'license_associated',
      `The license is associated with device ${license.deviceId}: move the device, and all its licenses go with it.`,
      'licenseId',
    );
  return ok(undefined);
}

/**
 * A device moves with every license associated with it (returned: the licenses that go along). A
 * shared license would leave its pool split across organizations, so a device that owns a shared
 * license or holds a replica moves once those replicas are undone.
 */
export function checkDeviceMove(
  device: GatewayDevice,
  holdings: readonly LicenseHolding[],
  replicas: readonly Replica[],
  toOrganizationId: string,
  administers: ReadonlySet<string>,
): Result<string[]> {
  if (device.replaced)
    return fail('device_replaced', `Device ${device.deviceId} was replaced: it no longer moves.`, 'deviceId');
  const allowed = checkAdministers(administers, device.organizationId, toOrganizationId);
  if (!allowed.ok) return allowed;
  const owned = holdings.filter((license) => license.deviceId === device.deviceId).map((l) => l.licenseId);
  const shared = replicas.find(
    (replica) => replica.deviceId === device.deviceId || owned.includes(replica.licenseId),
  );
  if (shared !== undefined)
    return fail(
      'license_shared',
      shared.deviceId === device.deviceId
        ? `The device holds a replica of license ${shared.licenseId}: undo it before moving the device.`
        : `License ${shared.licenseId} of the device is shared with gateway ${shared.deviceId}: undo its replicas before moving the device.`,
      'deviceId',
    );
  return ok(owned);
}

/** What a replacement does, in one step. */
export interface ReplacementPlan {
  /** Licenses whose association moves to the replacement, keeping their association date and term. */
  licenses: string[];
  /** Licenses whose replica on the failed device moves to the replacement. */
  replicasMoved: string[];
  /**
   * Replicas that go away because the replacement would otherwise be in the same pool twice (it
   * owned, or held a replica of, a license the failed device was in): seats are never counted twice.
   */
  replicasDropped: Replica[];
}

/**
 * Replace Device: everything the failed gateway held goes to its replacement, a device of the same
 * organization that is not the failed one. The failed device keeps nothing and counts nothing from
 * then on. `holdings` and `replicas` are those of the organization (at least of both devices and
 * of the licenses they own).
 */
export function planReplacement(
  failed: GatewayDevice,
  replacement: GatewayDevice,
  holdings: readonly LicenseHolding[],
  replicas: readonly Replica[],
): Result<ReplacementPlan> {
  if (replacement.deviceId === failed.deviceId)
    return fail(
      'replacement_same_device',
      'A device cannot replace itself: choose the new device.',
      'replacementId',
    );
  if (replacement.organizationId !== failed.organizationId)
    return fail(
      'device_not_in_organization',
      `Device ${replacement.deviceId} is in another organization: the replacement must be in the failed device’s.`,
      'replacementId',
    );
  for (const [device, field] of [
    [failed, 'deviceId'],
    [replacement, 'replacementId'],
  ] as const)
    if (device.replaced)
      return fail('device_replaced', `Device ${device.deviceId} was replaced already.`, field);
  const ownedBy = (deviceId: string) =>
    new Set(holdings.filter((license) => license.deviceId === deviceId).map((license) => license.licenseId));
  const heldBy = (deviceId: string) =>
    new Set(replicas.filter((replica) => replica.deviceId === deviceId).map((replica) => replica.licenseId));
  const failedOwns = ownedBy(failed.deviceId);
  const failedHolds = heldBy(failed.deviceId);
  const replacementIn = new Set([...ownedBy(replacement.deviceId), ...heldBy(replacement.deviceId)]);
  const replicasDropped: Replica[] = [];
  for (const licenseId of heldBy(replacement.deviceId))
    if (failedOwns.has(licenseId)) replicasDropped.push({ licenseId, deviceId: replacement.deviceId });
  const replicasMoved: string[] = [];
  for (const licenseId of failedHolds)
    if (replacementIn.has(licenseId)) replicasDropped.push({ licenseId, deviceId: failed.deviceId });
    else replicasMoved.push(licenseId);
  return ok({ licenses: [...failedOwns], replicasMoved, replicasDropped });
}
