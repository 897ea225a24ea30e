import { licenseTerm } from '../../domain/gateway-license.js';
import type { Window } from '../../domain/terms.js';
import type { Database } from '../store/database.js';
import type {
  GatewayAssociationRow,
  GatewayDeviceRow,
  GatewayLicenseRow,
  OrganizationRow,
} from '../store/gateway-schema.js';

/**
 * The gateway tables' reads, and the license row lock a gateway's statement takes: an update of
 * the row's version, returning the row as it is now.
 */

export const organizationById = (db: Database, id: string): Promise<OrganizationRow | undefined> =>
  db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();

export const deviceById = (db: Database, id: string): Promise<GatewayDeviceRow | undefined> =>
  db.selectFrom('gateway_devices').selectAll().where('id', '=', id).executeTakeFirst();

/** A license with the last group of the key it came from, which names it to people. */
export type HeldLicense = GatewayLicenseRow & { key_hint: string };

/** A license's term, from its first association; null while it has never been associated. */
export const termOf = (license: Pick<GatewayLicenseRow, 'activated_at' | 'term_years'>): Window | null =>
  license.activated_at === null
    ? null
    : licenseTerm({ termYears: license.term_years }, new Date(license.activated_at));

const withHint = (db: Database) =>
  db
    .selectFrom('gateway_licenses')
    .innerJoin('gateway_keys', 'gateway_keys.id', 'gateway_licenses.key_id')
    .selectAll('gateway_licenses')
    .select('gateway_keys.key_hint');

export const licenseById = (db: Database, id: string): Promise<HeldLicense | undefined> =>
  withHint(db).where('gateway_licenses.id', '=', id).executeTakeFirst();

export const lockLicense = (db: Database, id: string): Promise<GatewayLicenseRow | undefined> =>
  db
    .updateTable('gateway_licenses')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();

export const devicesOf = (db: Database, organizationId: string): Promise<GatewayDeviceRow[]> =>
  db
    .selectFrom('gateway_devices')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('name')
    .orderBy('id')
    .execute();

export const licensesOf = (db: Database, organizationId: string): Promise<HeldLicense[]> =>
  withHint(db)
    .where('gateway_licenses.organization_id', '=', organizationId)
    .orderBy('gateway_licenses.id')
    .execute();

/** The licenses associated with a device (the ones it owns). */
export const licensesOnDevice = (db: Database, deviceId: string): Promise<HeldLicense[]> =>
  withHint(db)
    .where('gateway_licenses.device_id', '=', deviceId)
    .orderBy('gateway_licenses.associated_at')
    .orderBy('gateway_licenses.sku')
    .orderBy('gateway_licenses.id')
    .execute();

/** The licenses a device holds a replica of. */
export const replicatedOnDevice = (db: Database, deviceId: string): Promise<HeldLicense[]> =>
  withHint(db)
    .innerJoin('gateway_replicas', 'gateway_replicas.license_id', 'gateway_licenses.id')
    .where('gateway_replicas.device_id', '=', deviceId)
    .orderBy('gateway_licenses.id')
    .execute();

export interface ReplicaRow {
  licenseId: string;
  deviceId: string;
}

/** The replicas of the given licenses (all of an organization's, or one license's). */
export async function replicasOf(db: Database, licenseIds: readonly string[]): Promise<ReplicaRow[]> {
  if (licenseIds.length === 0) return [];
  return db
    .selectFrom('gateway_replicas')
    .select(['license_id as licenseId', 'device_id as deviceId'])
    .where('license_id', 'in', licenseIds)
    .orderBy('created_at')
    .orderBy('device_id')
    .execute();
}

/** Every replica of the organization's licenses, however many licenses it holds. */
export const replicasInOrganization = (db: Database, organizationId: string): Promise<ReplicaRow[]> =>
  db
    .selectFrom('gateway_replicas')
    .innerJoin('gateway_licenses', 'gateway_licenses.id', 'gateway_replicas.license_id')
    .select(['gateway_replicas.license_id as licenseId', 'gateway_replicas.device_id as deviceId'])
    .where('gateway_licenses.organization_id', '=', organizationId)
    .orderBy('gateway_replicas.created_at')
    .orderBy('gateway_replicas.device_id')
    .execute();

export const associationsOfDevice = (db: Database, deviceId: string): Promise<GatewayAssociationRow[]> =>
  db
    .selectFrom('gateway_associations')
    .selectAll()
    .where('device_id', '=', deviceId)
    .orderBy('associated_at')
    .execute();

/** The association a license holds now: the last one made, not undone. */
export const currentAssociation = (
  db: Database,
  licenseId: string,
): Promise<GatewayAssociationRow | undefined> =>
  db
    .selectFrom('gateway_associations')
    .selectAll()
    .where('license_id', '=', licenseId)
    .where('undone_at', 'is', null)
    .orderBy('associated_at', 'desc')
    .executeTakeFirst();
