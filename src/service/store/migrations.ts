import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { gatewaysMigration } from './gateways-migration.js';
import { invoiceDocumentsMigration } from './invoice-documents-migration.js';
import { invoicesMigration } from './invoices-migration.js';
import { ordersMigration } from './orders-migration.js';
import { subscriptionBillingMigration } from './subscription-billing-migration.js';
import { webMigration } from './web-migration.js';

/**
 * One schema, one set of migrations, two engines: only types and constraints both SQLite and
 * PostgreSQL understand. Invariants live here as constraints, not only in code.
 */
/** One schema for both engines; where their SQL must differ, `engine` says which is migrated. */
const migrationsFor = (engine: 'sqlite' | 'postgres'): Record<string, Migration> => ({
  '2026-11-23-0001-core': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.references('accounts.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('staff', 'owner', 'member')`))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addCheckConstraint('users_staff_have_no_account', sql`(role = 'staff') = (account_id is null)`)
        .execute();
      await db.schema
        .createIndex('users_account_email')
        .on('users')
        .columns(['account_id', 'email'])
        .unique()
        .execute();
      // Staff have no account, and NULLs never collide in a unique index: their emails need their own.
      await db.schema
        .createIndex('users_staff_email')
        .on('users')
        .column('email')
        .unique()
        .where(sql.ref('role'), '=', sql.lit('staff'))
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('token_digest', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      // At most one bootstrap token ever: the fixed id makes concurrent first starts agree.
      await db.schema
        .createTable('bootstrap_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id = 'first-staff'`))
        .addColumn('token_digest', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();

      // The vendor keys this database belongs to: instances with other keys refuse to start.
      await db.schema
        .createTable('vendor_keys')
        .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id = 'vendor'`))
        .addColumn('kid', 'text', (c) => c.notNull())
        .addColumn('public_key_pem', 'text', (c) => c.notNull())
        .addColumn('data_key_check', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('licenses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('fixed')`))
        .addColumn('key_digest', 'text', (c) => c.notNull().unique())
        .addColumn('key_sealed', 'text', (c) => c.notNull())
        .addColumn('key_hint', 'text', (c) => c.notNull())
        .addColumn('seats', 'integer', (c) => c.notNull().check(sql`seats > 0`))
        .addColumn('term_years', 'integer', (c) => c.notNull().check(sql`term_years > 0`))
        .addColumn('purchased_at', 'bigint', (c) => c.notNull())
        .addColumn('starts_at', 'bigint', (c) => c.notNull())
        .addColumn('ends_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addCheckConstraint('licenses_term_order', sql`starts_at < ends_at`)
        .execute();
      await db.schema.createIndex('licenses_account').on('licenses').column('account_id').execute();

      // One row per key, for good: the unique license_id is what makes exactly one server win a race.
      await db.schema
        .createTable('activations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('license_id', 'text', (c) => c.notNull().unique().references('licenses.id'))
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('fingerprint_digest', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('activated_at', 'bigint', (c) => c.notNull())
        .addColumn('refreshed_at', 'bigint', (c) => c.notNull())
        .addColumn('certificates_issued', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.createIndex('activations_server').on('activations').column('server_id').execute();
    },
  },
  '2026-11-23-0002-shared-pools': {
    async up(db: Kysely<unknown>) {
      // A subscription is a pool: its row is what every pool operation locks.
      await db.schema
        .createTable('subscriptions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('key_digest', 'text', (c) => c.notNull().unique())
        .addColumn('key_sealed', 'text', (c) => c.notNull())
        .addColumn('key_hint', 'text', (c) => c.notNull())
        .addColumn('seats', 'integer', (c) => c.notNull().check(sql`seats > 0`))
        .addColumn('period', 'text', (c) => c.notNull().check(sql`period in ('monthly', 'yearly')`))
        .addColumn('auto_renew', 'integer', (c) => c.notNull().check(sql`auto_renew in (0, 1)`))
        .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('reconcile', 'lease')`))
        .addColumn('enforcement_order', 'text', (c) =>
          c.notNull().check(sql`enforcement_order in ('newest', 'oldest')`),
        )
        .addColumn('heartbeat_interval_ms', 'bigint', (c) =>
          c.notNull().check(sql`heartbeat_interval_ms > 0`),
        )
        .addColumn('grace_ms', 'bigint', (c) => c.notNull().check(sql`grace_ms >= 0`))
        .addColumn('period_anchor', 'bigint', (c) => c.notNull())
        .addColumn('period_count', 'integer', (c) => c.notNull().check(sql`period_count > 0`))
        .addColumn('period_ends_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('subscriptions_account').on('subscriptions').column('account_id').execute();

      // A server in a pool; unique server_id: a server holds at most one subscription.
      await db.schema
        .createTable('pool_members')
        .addColumn('subscription_id', 'text', (c) => c.notNull().references('subscriptions.id'))
        .addColumn('server_id', 'text', (c) => c.notNull().unique())
        .addColumn('fingerprint_digest', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('joined_at', 'bigint', (c) => c.notNull())
        .addColumn('last_heartbeat_at', 'bigint', (c) => c.notNull())
        .addColumn('last_sequence', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('tunnel_count', 'integer', (c) => c.notNull().defaultTo(0).check(sql`tunnel_count >= 0`))
        .addColumn('tunnels', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('lease', 'integer', (c) => c.notNull().defaultTo(0).check(sql`lease >= 0`))
        .addColumn('lease_expires_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('pool_members_pk', ['subscription_id', 'server_id'])
        .execute();
      // Covers the sum of a pool's live tunnels, so a heartbeat never reads the members' tunnel lists.
      await db.schema
        .createIndex('pool_members_live')
        .on('pool_members')
        .columns(['subscription_id', 'last_heartbeat_at', 'tunnel_count'])
        .execute();
    },
  },
  '2026-11-28-0003-key-lifecycle': {
    async up(db: Kysely<unknown>) {
      // Every change to a key takes its row first (version + 1), so rival changes run one at a time.
      await db.schema
        .alterTable('licenses')
        .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('licenses')
        .addColumn('ended_reason', 'text', (c) =>
          c.check(sql`ended_reason in ('refunded', 'split', 'replaced')`),
        )
        .execute();
      await db.schema
        .alterTable('licenses')
        .addColumn('parent_id', 'text', (c) => c.references('licenses.id'))
        .execute();
      // Who changed what and when, with the rows before and after; written in the change's transaction.
      await db.schema
        .createTable('audit_log')
        // The order entries were written in, even within one millisecond.
        .addColumn('seq', engine === 'postgres' ? 'bigserial' : 'integer', (c) =>
          engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text')
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('before', 'text')
        .addColumn('after', 'text')
        .execute();
      await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity_id', 'seq']).execute();
      await db.schema
        .createIndex('audit_log_account')
        .on('audit_log')
        .columns(['account_id', 'seq'])
        .execute();
    },
  },
  '2026-11-28-0004-failover-keys': {
    async up(db: Kysely<unknown>) {
      // The key a failover key stands in for; unique: one failover key per original.
      await db.schema
        .alterTable('licenses')
        .addColumn('failover_of', 'text', (c) => c.references('licenses.id'))
        .execute();
      await db.schema
        .createIndex('licenses_failover_of')
        .unique()
        .on('licenses')
        .column('failover_of')
        .execute();
    },
  },
  '2026-11-28-0005-order-numbers': {
    async up(db: Kysely<unknown>) {
      // The order a key was bought in, as its invoice shows it; keys made from a key keep it.
      await db.schema.alterTable('licenses').addColumn('order_number', 'text').execute();
      await db.schema.createIndex('licenses_order').on('licenses').column('order_number').execute();
    },
  },
  '2026-11-28-0006-support-requests': {
    async up(db: Kysely<unknown>) {
      // A request waits in the queue until staff approve it (its operation runs) or decline it.
      await db.schema
        .createTable('support_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('requester_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('requester_email', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) =>
          c.notNull().check(sql`type in ('refund', 'split', 'transfer', 'replacement', 'failover')`),
        )
        .addColumn('license_id', 'text', (c) => c.notNull().references('licenses.id'))
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('open', 'approved', 'declined')`),
        )
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'bigint')
        .addColumn('decision', 'text')
        .addColumn('outcome', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('support_requests_queue')
        .on('support_requests')
        .columns(['status', 'id'])
        .execute();
      await db.schema
        .createIndex('support_requests_account')
        .on('support_requests')
        .columns(['account_id', 'id'])
        .execute();
    },
  },
  '2026-11-28-0007-machine-changes': {
    async up(db: Kysely<unknown>) {
      // How many times the binding followed a changed machine: 3 at most in a key's lifetime.
      await db.schema
        .alterTable('activations')
        .addColumn('renegotiations', 'integer', (c) =>
          c.notNull().defaultTo(0).check(sql`renegotiations between 0 and 3`),
        )
        .execute();
    },
  },
  '2026-11-28-0008-legacy-keys': {
    async up(db: Kysely<unknown>) {
      // Keys on the old terms: they never expire on the machine they were activated on.
      await db.schema
        .alterTable('licenses')
        .addColumn('legacy', 'integer', (c) => c.notNull().defaultTo(0).check(sql`legacy in (0, 1)`))
        .execute();
    },
  },
  '2026-11-28-0009-expiry-reminders': {
    async up(db: Kysely<unknown>) {
      // One row per reminder: its unique key is what makes two service processes send it once.
      await db.schema
        .createTable('reminders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull().check(sql`subject in ('license', 'subscription')`))
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('ends_at', 'bigint', (c) => c.notNull())
        .addColumn('days_before', 'integer', (c) => c.notNull().check(sql`days_before in (60, 30, 3)`))
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('pending', 'sent', 'cancelled')`),
        )
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('not_before', 'bigint', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('last_error', 'text')
        .addColumn('message_id', 'text')
        .addColumn('sent_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('reminders_once', ['subject', 'subject_id', 'ends_at', 'days_before'])
        .execute();
      await db.schema
        .createIndex('reminders_due')
        .on('reminders')
        .columns(['status', 'not_before'])
        .execute();
      await db.schema.createIndex('licenses_ends_at').on('licenses').column('ends_at').execute();
      await db.schema
        .createIndex('subscriptions_period_ends_at')
        .on('subscriptions')
        .column('period_ends_at')
        .execute();
    },
  },
  '2026-11-29-0010-failed-attempts': {
    async up(db: Kysely<unknown>) {
      // Failed credential attempts per client address or credential prefix, shared by every
      // instance on the store; the key is a digest so the table holds no part of a real key.
      await db.schema
        .createTable('failed_attempts')
        .addColumn('key_digest', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull().check(sql`failures >= 1`))
        .addColumn('window_ends_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('failed_attempts_window_ends_at')
        .on('failed_attempts')
        .column('window_ends_at')
        .execute();
    },
  },
  '2026-11-30-0011-key-successors': {
    async up(db: Kysely<unknown>) {
      // A key's view names the keys made from it (its replacement, the keys it was split into), and an
      // agent's regular check finds a replaced key's replacement: both by the parent, in one lookup.
      await db.schema.createIndex('licenses_parent').on('licenses').column('parent_id').execute();
    },
  },
  '2026-11-30-0012-invoices': invoicesMigration,
  '2026-11-30-0013-price-books': {
    async up(db: Kysely<unknown>) {
      // One row per book; a new price is a new version. Unique effective dates keep "the book in
      // force at an instant" a single answer.
      await db.schema
        .createTable('price_books')
        .addColumn('version', 'text', (c) => c.primaryKey())
        .addColumn('effective_from', 'bigint', (c) => c.notNull().unique())
        .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency in ('USD', 'EUR', 'GBP')`))
        .addColumn('products', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      // Quotes and orders name a version and keep its prices: a stored book never changes.
      if (engine === 'sqlite') {
        for (const event of ['update', 'delete'])
          await sql`create trigger ${sql.raw(`price_books_no_${event}`)} before ${sql.raw(event)} on price_books
            begin select raise(abort, 'price books are immutable'); end`.execute(db);
        return;
      }
      await sql`create function price_books_immutable() returns trigger language plpgsql as
        $$ begin raise exception 'price books are immutable'; end $$`.execute(db);
      await sql`create trigger price_books_immutable before update or delete on price_books
        for each row execute function price_books_immutable()`.execute(db);
    },
  },
  '2026-11-30-0014-invoice-documents': invoiceDocumentsMigration,
  '2026-11-30-0015-orders': ordersMigration,
  '2026-11-30-0016-subscription-billing': subscriptionBillingMigration,
  '2026-11-30-0017-gateways': gatewaysMigration,
  '2026-11-30-0018-web': webMigration,
});

/**
 * `schema` names where PostgreSQL keeps the migration tables: without it, the migrator takes the
 * tables of any schema in the database for its own, and a second schema would never be migrated.
 */
export function migrator(db: Kysely<unknown>, engine: 'sqlite' | 'postgres', schema?: string): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(engine) };
  return new Migrator({ db, provider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
}
