import { type Kysely, type Migration, sql } from 'kysely';

/** Orders, their payments and the refunds made through them (2026-11-30-0015). */
export const ordersMigration: Migration = {
  async up(db: Kysely<unknown>) {
    // JSON: the order an invoice bills and its purchase order, printed on it.
    await db.schema.alterTable('invoices').addColumn('order_ref', 'text').execute();
    await db.schema
      .createTable('orders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('number', 'text', (c) => c.notNull().unique())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('status', 'text', (c) =>
        c.notNull().check(sql`status in ('quote', 'open', 'paid', 'canceled')`),
      )
      .addColumn('payment_method', 'text', (c) =>
        c.check(sql`payment_method in ('card', 'paypal', 'bank_wire', 'ach', 'purchase_order')`),
      )
      .addColumn('price_book_version', 'text', (c) => c.notNull().references('price_books.version'))
      .addColumn('currency', 'text', (c) => c.notNull())
      // JSON: what was asked (OrderItem[]) and how it was priced (OrderLine[]), kept as made.
      .addColumn('items', 'text', (c) => c.notNull())
      .addColumn('lines', 'text', (c) => c.notNull())
      .addColumn('connections', 'integer', (c) => c.notNull())
      .addColumn('subtotal', 'bigint', (c) => c.notNull())
      .addColumn('tax_rate', 'integer', (c) => c.notNull())
      .addColumn('tax', 'bigint', (c) => c.notNull())
      .addColumn('total', 'bigint', (c) => c.notNull())
      // JSON: the accounts payable email and the end user's account of a purchase order.
      .addColumn('purchase_order', 'text')
      .addColumn('invoice_id', 'text', (c) => c.references('invoices.id'))
      .addColumn('idempotency_key', 'text')
      .addColumn('request_digest', 'text', (c) => c.notNull())
      // JSON: what fulfilment made (the keys issued or renewed, the subscriptions created).
      .addColumn('fulfilment', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('placed_at', 'bigint')
      .addColumn('paid_at', 'bigint')
      .addColumn('canceled_at', 'bigint')
      .addCheckConstraint('orders_total', sql`total = subtotal + tax`)
      .addCheckConstraint(
        'orders_placed',
        sql`(status = 'quote') = (placed_at is null) and (placed_at is null) = (payment_method is null)
          and (placed_at is null) = (invoice_id is null)`,
      )
      .addCheckConstraint('orders_paid', sql`(status = 'paid') = (paid_at is not null)`)
      .addCheckConstraint('orders_fulfilled', sql`(status = 'paid') = (fulfilment is not null)`)
      .execute();
    // A retried create-order finds the order its key made: one per key and account.
    await db.schema
      .createIndex('orders_idempotency')
      .unique()
      .on('orders')
      .columns(['account_id', 'idempotency_key'])
      .execute();
    await db.schema.createIndex('orders_account').on('orders').columns(['account_id', 'id']).execute();

    await db.schema
      .createTable('payments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
      .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('test', 'stripe', 'manual')`))
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount >= 0`))
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) =>
        c.notNull().check(sql`status in ('started', 'pending', 'succeeded', 'declined')`),
      )
      .addColumn('provider_ref', 'text')
      .addColumn('action_url', 'text')
      .addColumn('decline_reason', 'text')
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('request_digest', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('settled_at', 'bigint')
      .addCheckConstraint(
        'payments_settled',
        sql`(status in ('succeeded', 'declined')) = (settled_at is not null)`,
      )
      .execute();
    await db.schema
      .createIndex('payments_idempotency')
      .unique()
      .on('payments')
      .columns(['order_id', 'idempotency_key'])
      .execute();
    await db.schema
      .createIndex('payments_provider_ref')
      .unique()
      .on('payments')
      .columns(['provider', 'provider_ref'])
      .execute();
    // An order is paid once: a second confirmation can never record a second payment.
    await db.schema
      .createIndex('payments_one_success')
      .unique()
      .on('payments')
      .column('order_id')
      .where(sql.ref('status'), '=', 'succeeded')
      .execute();

    await db.schema
      .createTable('refunds')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
      .addColumn('license_id', 'text', (c) => c.notNull().unique().references('licenses.id'))
      .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
      .addColumn('credit_note_id', 'text', (c) => c.notNull().references('invoices.id'))
      .addColumn('provider_ref', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('refunded_at', 'bigint')
      .execute();
  },
};
