import type { Generated, Selectable } from 'kysely';

/** The gateway tables (see gateways-migration.ts); instants are milliseconds since the epoch. */
type Millis = number;

export interface OrganizationsTable {
  id: string;
  account_id: string;
  name: string;
  created_at: Millis;
  version: Generated<number>;
}

export interface OrganizationAdminsTable {
  organization_id: string;
  user_id: string;
  created_at: Millis;
}

export interface GatewayDevicesTable {
  id: string;
  organization_id: string;
  serial_number: string;
  mac: string;
  model: string;
  name: string;
  registered_at: Millis;
  registered_by: string;
  replaced_by: string | null;
  replaced_at: Millis | null;
  enrollment_digest: string | null;
  enrollment_expires_at: Millis | null;
  credential_digest: string | null;
  enrolled_at: Millis | null;
  last_seen_at: Millis | null;
  version: number;
}

export interface GatewayKeysTable {
  id: string;
  account_id: string;
  key_digest: string;
  key_sealed: string;
  key_hint: string;
  sku: string;
  quantity: number;
  order_number: string | null;
  created_at: Millis;
  organization_id: string | null;
  added_at: Millis | null;
}

export interface GatewayLicensesTable {
  id: string;
  key_id: string;
  organization_id: string;
  sku: string;
  kind: 'secupoint' | 'pro';
  users: number;
  term_years: number;
  device_id: string | null;
  associated_at: Millis | null;
  activated_at: Millis | null;
  created_at: Millis;
  version: number;
}

export interface GatewayAssociationsTable {
  id: string;
  license_id: string;
  device_id: string;
  associated_at: Millis;
  undone_at: Millis | null;
}

export interface GatewayReplicasTable {
  license_id: string;
  device_id: string;
  created_at: Millis;
}

export interface GatewayLeasesTable {
  license_id: string;
  device_id: string;
  seats: number;
  until: Millis;
}

export interface GatewayTables {
  organizations: OrganizationsTable;
  organization_admins: OrganizationAdminsTable;
  gateway_devices: GatewayDevicesTable;
  gateway_keys: GatewayKeysTable;
  gateway_licenses: GatewayLicensesTable;
  gateway_associations: GatewayAssociationsTable;
  gateway_replicas: GatewayReplicasTable;
  gateway_leases: GatewayLeasesTable;
}

export type OrganizationRow = Selectable<OrganizationsTable>;
export type GatewayDeviceRow = Selectable<GatewayDevicesTable>;
export type GatewayKeyRow = Selectable<GatewayKeysTable>;
export type GatewayLicenseRow = Selectable<GatewayLicensesTable>;
export type GatewayAssociationRow = Selectable<GatewayAssociationsTable>;
