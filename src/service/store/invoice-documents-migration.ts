import { type Kysely, type Migration, sql } from 'kysely';

/**
 * What an invoice's document prints beyond its amounts (2026-11-30-0014): the tax rate its tax was
 * computed at, who issued it, whether it is an invoice or a credit note (and which invoice a credit note credits),
 * and the billing country that picks the tax rate.
 */
export const invoiceDocumentsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    // Parts per million, as src/domain/tax.ts keeps rates: 19% = 190000.
    await db.schema
      .alterTable('invoices')
      .addColumn('tax_rate', 'integer', (c) =>
        c.notNull().defaultTo(0).check(sql`tax_rate between 0 and 1000000`),
      )
      .execute();
    await db.schema
      .alterTable('invoices')
      .addColumn('kind', 'text', (c) =>
        c.notNull().defaultTo('invoice').check(sql`kind in ('invoice', 'credit_note')`),
      )
      .execute();
    // JSON: who issued it and the payment details it printed, fixed when it is finalized.
    await db.schema.alterTable('invoices').addColumn('issuer', 'text').execute();
    // A credit note names the invoice it credits; an invoice names none.
    await db.schema
      .alterTable('invoices')
      .addColumn('credits_invoice_id', 'text', (c) =>
        c.references('invoices.id').check(sql`(credits_invoice_id is null) = (kind = 'invoice')`),
      )
      .execute();
    await db.schema
      .alterTable('billing_addresses')
      .addColumn('country', 'text', (c) =>
        c.check(
          sql`length(country) = 2 and country = upper(country)
            and substr(country, 1, 1) between 'A' and 'Z' and substr(country, 2, 1) between 'A' and 'Z'`,
        ),
      )
      .execute();
  },
};
