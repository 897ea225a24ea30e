import type { GatewayBinding } from '../../domain/gateway-seats.js';
import { isPooled } from '../../domain/gateway-sharing.js';
import type { Database } from '../store/database.js';
import { type HeldLicense, licensesOnDevice, replicatedOnDevice, termOf } from './repository.js';

/**
 * What a gateway is bound to now, as the seat engine reads it: the licenses associated with it
 * and the replicas it holds. A pooled license (one that can be shared, shared or not) gives the
 * gateway only the lease it holds, and none once the lease has run out; any other license gives
 * all its users for its term.
 */
export interface DeviceBindings {
  own: HeldLicense[];
  replicas: HeldLicense[];
  /** The licenses among both that are pooled: leased, never counted whole (see `isPooled`). */
  shared: Set<string>;
  bindings: GatewayBinding[];
}

export async function deviceBindings(db: Database, deviceId: string, now: Date): Promise<DeviceBindings> {
  const [own, replicas] = await Promise.all([
    licensesOnDevice(db, deviceId),
    replicatedOnDevice(db, deviceId),
  ]);
  const shared = new Set([
    ...replicas.map((license) => license.id),
    ...own.filter((license) => isPooled(license)).map((license) => license.id),
  ]);
  const leases =
    shared.size === 0
      ? []
      : await db
          .selectFrom('gateway_leases')
          .select(['license_id', 'seats', 'until'])
          .where('device_id', '=', deviceId)
          .where('license_id', 'in', [...shared])
          .where('until', '>', now.getTime())
          .execute();
  const leaseOf = new Map(leases.map((lease) => [lease.license_id, lease]));
  const bindings = [...own, ...replicas].flatMap((license): GatewayBinding[] => {
    const term = termOf(license);
    if (term === null) return [];
    const binding: GatewayBinding = {
      licenseId: license.id,
      keyHint: license.key_hint,
      kind: license.kind,
      users: license.users,
      term,
    };
    if (!shared.has(license.id)) return [binding];
    const lease = leaseOf.get(license.id);
    return [
      {
        ...binding,
        lease:
          lease === undefined
            ? { seats: 0, until: now }
            : { seats: lease.seats, until: new Date(lease.until) },
      },
    ];
  });
  return { own, replicas, shared, bindings };
}
