import { type Kysely, type Migration, sql } from 'kysely';

/** Invoices, their numbering series and the accounts' billing addresses (2026-11-30-0012). */
export const invoicesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    // One counter per series (its prefix): finalizing takes the next number with an UPDATE of this
    // row in its own transaction, so a rollback gives the number back and nothing else can take it.
    await db.schema
      .createTable('invoice_series')
      .addColumn('series', 'text', (c) => c.primaryKey())
      .addColumn('last_number', 'integer', (c) => c.notNull().check(sql`last_number >= 0`))
      .execute();
    await db.schema
      .createTable('invoices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'open', 'paid', 'void')`))
      .addColumn('series', 'text')
      .addColumn('number', 'integer', (c) => c.check(sql`number >= 1`))
      .addColumn('currency', 'text', (c) => c.notNull().check(sql`length(currency) = 3`))
      .addColumn('lines', 'text', (c) => c.notNull())
      .addColumn('subtotal', 'bigint', (c) => c.notNull())
      .addColumn('tax', 'bigint', (c) => c.notNull())
      .addColumn('total', 'bigint', (c) => c.notNull())
      .addColumn('net_days', 'integer', (c) => c.notNull().check(sql`net_days between 0 and 365`))
      .addColumn('billed_to', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('finalized_at', 'bigint')
      .addColumn('due_at', 'bigint')
      .addColumn('paid_at', 'bigint')
      .addColumn('voided_at', 'bigint')
      .addCheckConstraint('invoices_total', sql`total = subtotal + tax`)
      // A draft has no number; every finalized invoice has its number, date and billed-to for good.
      .addCheckConstraint(
        'invoices_numbered_when_final',
        sql`(status = 'draft') = (number is null) and (number is null) = (series is null)
          and (number is null) = (finalized_at is null) and (number is null) = (billed_to is null)
          and (number is null) = (due_at is null)`,
      )
      .addCheckConstraint('invoices_paid_at', sql`(status = 'paid') = (paid_at is not null)`)
      .addCheckConstraint('invoices_voided_at', sql`(status = 'void') = (voided_at is not null)`)
      .execute();
    // No duplicate number in a series, whatever the code does.
    await db.schema
      .createIndex('invoices_series_number')
      .unique()
      .on('invoices')
      .columns(['series', 'number'])
      .execute();
    await db.schema.createIndex('invoices_account').on('invoices').columns(['account_id', 'id']).execute();
    await db.schema
      .createTable('billing_addresses')
      .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
      .addColumn('company_name', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('city', 'text', (c) => c.notNull())
      .addColumn('state', 'text')
      .addColumn('tax_info', 'text')
      .addColumn('phone', 'text')
      .addColumn('website', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
