import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Pages for people (2026-11-30-0018): a password for each user who signs in on the web, the
 * sessions a browser holds, one-use links that set a password (a reset, or an invitation), and a
 * compact history of each server's and pool's use for the usage chart.
 */
export const webMigration: Migration = {
  async up(db: Kysely<unknown>) {
    // A salted scrypt hash naming its parameters; null until the user sets one.
    await db.schema.alterTable('users').addColumn('password_hash', 'text').execute();

    await db.schema
      .createTable('web_sessions')
      // The digest of the cookie's token: a leaked table signs nobody in.
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addCheckConstraint('web_sessions_expire_after_creation', sql`expires_at > created_at`)
      .execute();
    await db.schema.createIndex('web_sessions_user').on('web_sessions').column('user_id').execute();

    await db.schema
      .createTable('password_links')
      .addColumn('token_digest', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('reset', 'invitation')`))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('password_links_user').on('password_links').column('user_id').execute();

    // One row per subject and hour: the peak tunnels seen and the seats licensed then.
    await db.schema
      .createTable('usage_history')
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('hour', 'bigint', (c) => c.notNull())
      .addColumn('peak', 'integer', (c) => c.notNull().check(sql`peak >= 0`))
      .addColumn('licensed', 'integer', (c) => c.notNull().check(sql`licensed >= 0`))
      .addPrimaryKeyConstraint('usage_history_pk', ['subject', 'hour'])
      .execute();
    await db.schema
      .createIndex('usage_history_account_hour')
      .on('usage_history')
      .columns(['account_id', 'hour'])
      .execute();
  },
};
