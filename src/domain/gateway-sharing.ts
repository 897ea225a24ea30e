import { fail, ok, type Result } from './errors.js';
import type { GatewayDevice, LicenseHolding, Replica } from './gateway-inventory.js';
import type { LicenseKind } from './gateway-license.js';
import { type EnforcementMode, grantLease } from './pools.js';
import { isoDate, type Window } from './terms.js';

/**
 * Sharing one SecuPoint license across gateways of its organization. The seed: "Licenses for more
 * than 100 SPC VPN users can be shared across up to 3 ESG devices within the same organization",
 * and "A replica license will be bound to the selected ESG device(s). These devices will then share
 * the same pool". The 3 are the devices sharing the pool, so the owner counts: the owner and at
 * most 2 replicas, 3 gateways in all.
 */
export const SHAREABLE_ABOVE_USERS = 100;
export const MAX_SHARING_GATEWAYS = 3;

export interface ShareableLicense extends LicenseHolding {
  kind: LicenseKind;
  users: number;
  /** Null while the license has never been associated. */
  term: Window | null;
}

const ownReplicas = (license: LicenseHolding, replicas: readonly Replica[]): Replica[] =>
  replicas.filter((replica) => replica.licenseId === license.licenseId);

/**
 * The replicas to bind when the owner's administrator shares the license with `targets` (one or
 * several at once, as the console's "Share" confirms a selection). `replicas` are the license's
 * replicas so far. All targets are bound or none.
 */
export function checkShare(
  license: ShareableLicense,
  replicas: readonly Replica[],
  targets: readonly GatewayDevice[],
  now: Date,
): Result<Replica[]> {
  const ownerId = license.deviceId;
  if (ownerId === null)
    return fail(
      'license_not_associated',
      'Associate the license with a gateway before sharing it.',
      'licenseId',
    );
  if (license.kind !== 'secupoint' || license.users <= SHAREABLE_ABOVE_USERS)
    return fail(
      'license_not_shareable',
      `This license has ${license.users} VPN users; only a SecuPoint license of more than ${SHAREABLE_ABOVE_USERS} can be shared.`,
      'licenseId',
    );
  if (license.term !== null && now.getTime() >= license.term.ends.getTime())
    return fail('license_expired', `The license expired on ${isoDate(license.term.ends)}.`, 'licenseId');
  if (targets.length === 0)
    return fail('validation_failed', 'Choose at least one gateway to share the license with.', 'deviceIds');
  const bound = new Set([ownerId, ...ownReplicas(license, replicas).map((replica) => replica.deviceId)]);
  const added: Replica[] = [];
  for (const target of targets) {
    if (target.organizationId !== license.organizationId)
      return fail(
        'device_not_in_organization',
        `Gateway ${target.deviceId} is in another organization: a license is shared within its organization only.`,
        'deviceIds',
      );
    if (target.replaced)
      return fail(
        'device_replaced',
        `Gateway ${target.deviceId} was replaced: share with its replacement.`,
        'deviceIds',
      );
    if (bound.has(target.deviceId))
      return fail(
        'already_bound_to_device',
        `The license is already bound to gateway ${target.deviceId}.`,
        'deviceIds',
      );
    bound.add(target.deviceId);
    added.push({ licenseId: license.licenseId, deviceId: target.deviceId });
  }
  if (bound.size > MAX_SHARING_GATEWAYS)
    return fail(
      'share_limit_reached',
      `A license is shared by at most ${MAX_SHARING_GATEWAYS} gateways, its own included; this would make ${bound.size}.`,
      'deviceIds',
    );
  return ok(added);
}

/** "Undo" on a replica unbinds it, at any time: the seed sets no week for it. */
export function checkUndoShare(
  license: LicenseHolding,
  replicas: readonly Replica[],
  deviceId: string,
): Result<Replica> {
  const replica = ownReplicas(license, replicas).find((candidate) => candidate.deviceId === deviceId);
  if (replica === undefined)
    return fail(
      'replica_not_found',
      deviceId === license.deviceId
        ? `Gateway ${deviceId} owns the license: undo its replicas, not the license.`
        : `The license has no replica on gateway ${deviceId}.`,
      'deviceId',
    );
  return ok(replica);
}

/**
 * The pool a shared license is, in the shared-pool engine's terms: its users are the seats, its
 * owner and replicas the members, enforced in lease mode so that the gateways together never admit
 * more than the license's users.
 */
export interface SharedLicensePool {
  licenseId: string;
  seats: number;
  mode: EnforcementMode;
  /** The owner first, then the replicas. */
  members: string[];
}

export function sharedLicensePool(
  license: ShareableLicense,
  replicas: readonly Replica[],
): SharedLicensePool {
  const members = ownReplicas(license, replicas).map((replica) => replica.deviceId);
  return {
    licenseId: license.licenseId,
    seats: license.users,
    mode: 'lease',
    members: license.deviceId === null ? members : [license.deviceId, ...members],
  };
}

/**
 * A license that can be shared is a pool from its first association, shared or not: its gateway
 * holds what it leases, never the whole license unleased, so that sharing it later, or undoing its
 * association, never leaves the license counted twice by statements still trusted.
 */
export const isPooled = (license: { kind: LicenseKind; users: number }): boolean =>
  license.kind === 'secupoint' && license.users > SHAREABLE_ABOVE_USERS;

/**
 * The lease a member may hold after asking for `wanted` seats, given the live leases of the
 * license (`leases`: device id to seats). Every live lease counts, a former member's too: the
 * gateway that held it trusts its signed lease until it runs out. A gateway outside the pool gets none.
 */
export function shareLease(
  pool: SharedLicensePool,
  leases: ReadonlyMap<string, number>,
  deviceId: string,
  wanted: number,
): number {
  if (!pool.members.includes(deviceId)) return 0;
  let leasedByOthers = 0;
  for (const [holder, seats] of leases) if (holder !== deviceId) leasedByOthers += seats;
  return grantLease({ seats: pool.seats, leasedByOthers }, wanted);
}
