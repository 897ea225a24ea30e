import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Gateways (2026-11-30-0017): organizations and their admins, the device inventory, gateway
 * license keys and the licenses they unzip into, every association kept for the undo rules,
 * replicas of shared licenses and the leases their gateways hold of the shared pool.
 */
export const gatewaysMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('organizations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // Every change to an organization's gateways and licenses locks its row first: one at a time.
      .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('organizations_account').on('organizations').column('account_id').execute();
    await db.schema
      .createTable('organization_admins')
      .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('organization_admins_pk', ['organization_id', 'user_id'])
      .execute();
    await db.schema
      .createIndex('organization_admins_user')
      .on('organization_admins')
      .column('user_id')
      .execute();

    await db.schema
      .createTable('gateway_devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
      .addColumn('serial_number', 'text', (c) => c.notNull().unique())
      .addColumn('mac', 'text', (c) => c.notNull().unique())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('registered_at', 'bigint', (c) => c.notNull())
      .addColumn('registered_by', 'text', (c) => c.notNull())
      .addColumn('replaced_by', 'text', (c) => c.references('gateway_devices.id'))
      .addColumn('replaced_at', 'bigint')
      // The one-time code an admin hands to the gateway, and the credential it is exchanged for.
      .addColumn('enrollment_digest', 'text', (c) => c.unique())
      .addColumn('enrollment_expires_at', 'bigint')
      .addColumn('credential_digest', 'text', (c) => c.unique())
      .addColumn('enrolled_at', 'bigint')
      .addColumn('last_seen_at', 'bigint')
      .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
      .addCheckConstraint('gateway_devices_replaced', sql`(replaced_by is null) = (replaced_at is null)`)
      .addCheckConstraint('gateway_devices_not_self', sql`replaced_by is null or replaced_by <> id`)
      .execute();
    await db.schema
      .createIndex('gateway_devices_organization')
      .on('gateway_devices')
      .columns(['organization_id', 'id'])
      .execute();

    await db.schema
      .createTable('gateway_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('key_digest', 'text', (c) => c.notNull().unique())
      .addColumn('key_sealed', 'text', (c) => c.notNull())
      .addColumn('key_hint', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
      .addColumn('order_number', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // Claimed: added to an organization, once and for good.
      .addColumn('organization_id', 'text', (c) => c.references('organizations.id'))
      .addColumn('added_at', 'bigint')
      .addCheckConstraint('gateway_keys_added', sql`(organization_id is null) = (added_at is null)`)
      .execute();
    await db.schema.createIndex('gateway_keys_account').on('gateway_keys').column('account_id').execute();

    await db.schema
      .createTable('gateway_licenses')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('key_id', 'text', (c) => c.notNull().references('gateway_keys.id'))
      .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('secupoint', 'pro')`))
      .addColumn('users', 'integer', (c) => c.notNull().check(sql`users >= 0`))
      .addColumn('term_years', 'integer', (c) => c.notNull().check(sql`term_years > 0`))
      .addColumn('device_id', 'text', (c) => c.references('gateway_devices.id'))
      .addColumn('associated_at', 'bigint')
      // The term starts at the first association and never again.
      .addColumn('activated_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
      .addCheckConstraint('gateway_licenses_associated', sql`(device_id is null) = (associated_at is null)`)
      .addCheckConstraint('gateway_licenses_activated', sql`device_id is null or activated_at is not null`)
      .execute();
    await db.schema
      .createIndex('gateway_licenses_organization')
      .on('gateway_licenses')
      .columns(['organization_id', 'id'])
      .execute();
    await db.schema
      .createIndex('gateway_licenses_device')
      .on('gateway_licenses')
      .column('device_id')
      .execute();

    await db.schema
      .createTable('gateway_associations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('license_id', 'text', (c) => c.notNull().references('gateway_licenses.id'))
      .addColumn('device_id', 'text', (c) => c.notNull().references('gateway_devices.id'))
      .addColumn('associated_at', 'bigint', (c) => c.notNull())
      .addColumn('undone_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('gateway_associations_device')
      .on('gateway_associations')
      .columns(['device_id', 'associated_at'])
      .execute();
    await db.schema
      .createIndex('gateway_associations_license')
      .on('gateway_associations')
      .column('license_id')
      .execute();

    await db.schema
      .createTable('gateway_replicas')
      .addColumn('license_id', 'text', (c) => c.notNull().references('gateway_licenses.id'))
      .addColumn('device_id', 'text', (c) => c.notNull().references('gateway_devices.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('gateway_replicas_pk', ['license_id', 'device_id'])
      .execute();
    await db.schema
      .createIndex('gateway_replicas_device')
      .on('gateway_replicas')
      .column('device_id')
      .execute();

    // What each gateway of a shared license holds of its pool, until when (lease mode).
    await db.schema
      .createTable('gateway_leases')
      .addColumn('license_id', 'text', (c) => c.notNull().references('gateway_licenses.id'))
      .addColumn('device_id', 'text', (c) => c.notNull().references('gateway_devices.id'))
      .addColumn('seats', 'integer', (c) => c.notNull().check(sql`seats >= 0`))
      .addColumn('until', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('gateway_leases_pk', ['license_id', 'device_id'])
      .execute();
  },
};
