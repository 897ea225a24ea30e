import { fail, ok, type Result } from './errors.js';
import type { GatewayDevice, LicenseHolding } from './gateway-inventory.js';
import { type LicenseKind, licenseTerm } from './gateway-license.js';
import { dueReminder, type ReminderMark } from './reminders.js';
import { addDays, DAY_MS, isoDate, isWithin, type Window } from './terms.js';

/**
 * A gateway license's life on its device: associated, Merging for a week in which it can be
 * undone, then Merged for good; and the device's license status as the device list shows it.
 */
export const MERGING_DAYS = 7;

/**
 * Merging lasts 7 × 24 hours from the association, half open like every window here: an undo at
 * `associatedAt + 7 days - 1 ms` is accepted, one at `associatedAt + 7 days` exactly is refused.
 */
export const mergesAt = (associatedAt: Date): Date => addDays(associatedAt, MERGING_DAYS);

export type AssociationStatus = 'merging' | 'merged';

export const associationStatus = (associatedAt: Date, now: Date): AssociationStatus =>
  now.getTime() < mergesAt(associatedAt).getTime() ? 'merging' : 'merged';

/** One association of a license with a device, kept after an undo so the undo limit can count it. */
export interface Association {
  licenseId: string;
  deviceId: string;
  associatedAt: Date;
  undoneAt: Date | null;
}

/** What associating a license sets: its term starts at its first association and never again. */
export interface AssociationStart {
  activatedAt: Date;
  associatedAt: Date;
}

/**
 * Associating a license from the inventory with a gateway of its organization. A license that
 * was associated before (and undone) keeps its activation date: its term kept running, so that
 * associating and undoing cannot hold a term still.
 */
export function checkAssociate(
  license: LicenseHolding & { activatedAt: Date | null; termYears: number },
  device: GatewayDevice,
  now: Date,
): Result<AssociationStart> {
  if (license.deviceId !== null)
    return fail(
      'license_associated',
      `The license is associated with device ${license.deviceId} already.`,
      'licenseId',
    );
  if (device.organizationId !== license.organizationId)
    return fail(
      'device_not_in_organization',
      `Device ${device.deviceId} is not in the license’s organization.`,
      'deviceId',
    );
  if (device.replaced)
    return fail(
      'device_replaced',
      `Device ${device.deviceId} was replaced: associate with its replacement.`,
      'deviceId',
    );
  if (license.activatedAt !== null) {
    const term = licenseTerm(license, license.activatedAt);
    if (now.getTime() >= term.ends.getTime())
      return fail('license_expired', `The license expired on ${isoDate(term.ends)}.`, 'licenseId');
  }
  return ok({ activatedAt: license.activatedAt ?? now, associatedAt: now });
}

/** "More than two" licenses associated with one device within the undo week: EnGenius's limit. */
const UNDO_LIMIT_FROM = 3;

/**
 * Undo of an association, strictly within its 7 days, and not while the license is shared (its
 * replicas would be left without an owner). EnGenius adds: if more than two licenses were
 * associated with one device within 7 days, only one of them can be disassociated. We read "within
 * 7 days" as the associations with this device whose own undo week is still running at `now`
 * (associated after `now - 7 days`), undone ones included: when there are three or more, one undo
 * among them is allowed and the next is refused. `history` is the device's associations.
 */
export function checkUndo(
  association: Association,
  history: readonly Association[],
  now: Date,
  replicas = 0,
): Result<void> {
  if (association.undoneAt !== null)
    return fail('license_not_associated', 'This association was undone already.', 'licenseId');
  if (associationStatus(association.associatedAt, now) === 'merged')
    return fail(
      'license_merged',
      `The license merged with its device on ${isoDate(mergesAt(association.associatedAt))}, ${MERGING_DAYS} days after its association: it can no longer be removed.`,
      'licenseId',
    );
  if (replicas > 0)
    return fail(
      'license_shared',
      'The license is shared with other gateways: undo its replicas first.',
      'licenseId',
    );
  const week = history.filter(
    (other) =>
      other.deviceId === association.deviceId &&
      other.associatedAt.getTime() <= now.getTime() &&
      associationStatus(other.associatedAt, now) === 'merging',
  );
  const undone = week.filter((other) => other.undoneAt !== null);
  if (week.length >= UNDO_LIMIT_FROM && undone.length >= 1)
    return fail(
      'undo_limit_reached',
      `${week.length} licenses were associated with this device within ${MERGING_DAYS} days and one was disassociated already.`,
      'licenseId',
    );
  return ok(undefined);
}

/** A license as it stands on one device, for the device's status. */
export interface BoundTerm {
  kind: LicenseKind;
  term: Window;
  /** The association's start, for the undo week; null for a replica, which has none. */
  associatedAt: Date | null;
}

export type DeviceLicenseStatus = 'active' | 'expiring' | 'expired' | 'inactive';

export interface DeviceStanding {
  status: DeviceLicenseStatus;
  /** Active: when its last license ends. Expired: when it ended. Inactive: null. */
  expiresAt: Date | null;
  /** A license still in its undo week: the device list shows it "Merging". */
  merging: boolean;
}

/** Expiring: the device's last license ends within this many days (at exactly 30 days, too). */
export const EXPIRING_DAYS = 30;

const latestEnd = (terms: readonly BoundTerm[]): Date | null =>
  terms.reduce<Date | null>(
    (latest, { term }) => (latest === null || term.ends.getTime() > latest.getTime() ? term.ends : latest),
    null,
  );

/**
 * The device's license status for one kind of license (its VPN seats by default; a Pro license's
 * expiry does not make a gateway's VPN seats expire). Inactive: no license of the kind. Active:
 * one is in its term, and Expiring when the last of those ends within 30 days. Expired: it has
 * licenses of the kind and none is in its term.
 */
export function deviceStanding(
  bound: readonly BoundTerm[],
  now: Date,
  kind: LicenseKind = 'secupoint',
): DeviceStanding {
  const ofKind = bound.filter((license) => license.kind === kind);
  const merging = ofKind.some(
    (license) => license.associatedAt !== null && associationStatus(license.associatedAt, now) === 'merging',
  );
  const active = ofKind.filter((license) => isWithin(license.term, now));
  const activeUntil = latestEnd(active);
  if (activeUntil !== null) {
    const expiring = activeUntil.getTime() - now.getTime() <= EXPIRING_DAYS * DAY_MS;
    return { status: expiring ? 'expiring' : 'active', expiresAt: activeUntil, merging };
  }
  const ended = ofKind.filter((license) => license.term.ends.getTime() <= now.getTime());
  if (ended.length > 0) return { status: 'expired', expiresAt: latestEnd(ended), merging };
  return { status: 'inactive', expiresAt: null, merging };
}

/** The header of the device list. */
export interface FleetSummary {
  /** The soonest end among devices still licensed; null when none is. */
  earliestExpiry: Date | null;
  expired: number;
  expiringWithin30Days: number;
}

export function fleetSummary(devices: readonly DeviceStanding[]): FleetSummary {
  let earliestExpiry: Date | null = null;
  let expired = 0;
  let expiringWithin30Days = 0;
  for (const { status, expiresAt } of devices) {
    if (status === 'expired') expired++;
    if (status === 'expiring') expiringWithin30Days++;
    const licensed = status === 'active' || status === 'expiring';
    if (
      licensed &&
      expiresAt !== null &&
      (earliestExpiry === null || expiresAt.getTime() < earliestExpiry.getTime())
    )
      earliestExpiry = expiresAt;
  }
  return { earliestExpiry, expired, expiringWithin30Days };
}

/**
 * The expiry notice due for an associated license (60, 30, 3 days before its end), by the rule keys
 * and subscriptions use. A shared license is noticed once, for its owner; its replicas end with it.
 */
export const licenseReminderDue = (term: Window, now: Date): ReminderMark | undefined =>
  dueReminder(term, now);
