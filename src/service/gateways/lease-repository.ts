import { SHAREABLE_ABOVE_USERS } from '../../domain/gateway-sharing.js';
import type { Database } from '../store/database.js';
import type { GatewayDeviceRow } from '../store/gateway-schema.js';

/**
 * The gateway's side of the store: finding a device by its credential, the shared licenses it is
 * in, and the leases their members hold. Lease writes happen only with the license's row locked.
 */

export const deviceByCredential = (db: Database, digest: string): Promise<GatewayDeviceRow | undefined> =>
  db.selectFrom('gateway_devices').selectAll().where('credential_digest', '=', digest).executeTakeFirst();

/**
 * The ids of the pooled licenses the device is in, in id order (the order their rows are locked
 * in): the ones associated with it that can be shared (see `isPooled`), and the ones it holds a
 * replica of.
 */
export async function sharedLicenseIds(db: Database, deviceId: string): Promise<string[]> {
  const [owned, replicated] = await Promise.all([
    db
      .selectFrom('gateway_licenses')
      .select('id')
      .where('device_id', '=', deviceId)
      .where('kind', '=', 'secupoint')
      .where('users', '>', SHAREABLE_ABOVE_USERS)
      .execute(),
    db.selectFrom('gateway_replicas').select('license_id as id').where('device_id', '=', deviceId).execute(),
  ]);
  return [...new Set([...owned, ...replicated].map((row) => row.id))].sort();
}

/** The leases of a license that have not run out at `now`: device id to seats. */
export async function liveLeasesOf(
  db: Database,
  licenseId: string,
  now: number,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('gateway_leases')
    .select(['device_id', 'seats'])
    .where('license_id', '=', licenseId)
    .where('until', '>', now)
    .execute();
  return new Map(rows.map((row) => [row.device_id, Number(row.seats)]));
}

/** Sets the device's lease of a license: made the first time, replaced after. */
export const setLease = (
  db: Database,
  lease: { licenseId: string; deviceId: string; seats: number; until: number },
): Promise<unknown> =>
  db
    .insertInto('gateway_leases')
    .values({
      license_id: lease.licenseId,
      device_id: lease.deviceId,
      seats: lease.seats,
      until: lease.until,
    })
    .onConflict((conflict) =>
      conflict.columns(['license_id', 'device_id']).doUpdateSet({ seats: lease.seats, until: lease.until }),
    )
    .execute();
