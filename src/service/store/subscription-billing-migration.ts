import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Subscriptions bought through an order are billed every period (2026-11-30-0016): `billed` marks
 * them (staff-created ones stay free), and the current period's figures are kept for proration.
 * One column per statement: SQLite adds one at a time.
 */
export const subscriptionBillingMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const table = () => db.schema.alterTable('subscriptions');
    await table()
      .addColumn('billed', 'integer', (c) => c.notNull().defaultTo(0).check(sql`billed in (0, 1)`))
      .execute();
    // A billed subscription always knows the price per connection its period was bought at.
    await table()
      .addColumn('unit_price', 'bigint', (c) =>
        c.check(sql`(unit_price is not null and unit_price > 0) or (unit_price is null and billed = 0)`),
      )
      .execute();
    for (const column of ['period_charged', 'period_credited', 'credit_balance'])
      await table()
        .addColumn(column, 'bigint', (c) =>
          c
            .notNull()
            .defaultTo(0)
            .check(sql`${sql.ref(column)} >= 0`),
        )
        .execute();
  },
};
