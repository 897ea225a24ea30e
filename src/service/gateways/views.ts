import type { Device, GatewayLicense } from '../../contract/gateways.js';
import {
  associationStatus,
  type BoundTerm,
  type DeviceStanding,
  deviceStanding,
  EXPIRING_DAYS,
  mergesAt,
} from '../../domain/gateway-lifecycle.js';
import { gatewaySeats } from '../../domain/gateway-seats.js';
import { DAY_MS, type Window } from '../../domain/terms.js';
import type { GatewayDeviceRow } from '../store/gateway-schema.js';
import type { DeviceBindings } from './bindings.js';
import { type HeldLicense, termOf } from './repository.js';

/** The gateway rows as the console shows them. */
const iso = (millis: number | null): string | null =>
  millis === null ? null : new Date(millis).toISOString();

function licenseStatus(term: Window | null, now: Date): GatewayLicense['status'] {
  if (term === null) return 'unassociated';
  const left = term.ends.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  return left <= EXPIRING_DAYS * DAY_MS ? 'expiring' : 'active';
}

export function licenseView(license: HeldLicense, replicas: readonly string[], now: Date): GatewayLicense {
  const term = termOf(license);
  const associatedAt = license.associated_at === null ? null : new Date(license.associated_at);
  return {
    id: license.id,
    organizationId: license.organization_id,
    keyHint: license.key_hint,
    sku: license.sku,
    kind: license.kind,
    users: license.users,
    termYears: license.term_years,
    deviceId: license.device_id,
    association: associatedAt === null ? null : associationStatus(associatedAt, now),
    associatedAt: iso(license.associated_at),
    mergesAt: associatedAt === null ? null : mergesAt(associatedAt).toISOString(),
    starts: term?.starts.toISOString() ?? null,
    ends: term?.ends.toISOString() ?? null,
    status: licenseStatus(term, now),
    replicas: [...replicas],
  };
}

/** The terms a device's licenses stand on, for its status (its own and the replicas it holds). */
export const boundTerms = (bound: Pick<DeviceBindings, 'own' | 'replicas'>): BoundTerm[] =>
  [
    ...bound.own.map((license) => ({ license, own: true })),
    ...bound.replicas.map((license) => ({ license, own: false })),
  ].flatMap(({ license, own }) => {
    const term = termOf(license);
    if (term === null) return [];
    return [
      {
        kind: license.kind,
        term,
        associatedAt: own && license.associated_at !== null ? new Date(license.associated_at) : null,
      },
    ];
  });

export interface DeviceFacts {
  standing: DeviceStanding;
  vpnSeats: number;
}

/** A device's status and "SecuPoint VPN Client" maximum now, from what it is bound to. */
export const deviceFacts = (bound: DeviceBindings, now: Date): DeviceFacts => ({
  standing: deviceStanding(boundTerms(bound), now),
  vpnSeats: gatewaySeats(bound.bindings, now).seats,
});

export function deviceView(row: GatewayDeviceRow, facts: DeviceFacts): Device {
  const { standing } = facts;
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    model: row.model,
    serialNumber: row.serial_number,
    mac: row.mac,
    licenseStatus: standing.status,
    merging: standing.merging,
    expiresAt: standing.expiresAt?.toISOString() ?? null,
    // A replaced device counts nothing from its replacement on.
    vpnSeats: row.replaced_by === null ? facts.vpnSeats : 0,
    registeredAt: new Date(row.registered_at).toISOString(),
    registeredBy: row.registered_by,
    replacedBy: row.replaced_by,
    enrolled: row.credential_digest !== null,
  };
}
