import type { Database } from '../store/database.js';
import type { OrderRow, PaymentRow, RefundRow } from '../store/schema.js';

/** The orders' tables, every query in one place; "not found" is `undefined`. */

export const insertOrder = (db: Database, row: OrderRow) => db.insertInto('orders').values(row).execute();

export const orderById = (db: Database, id: string): Promise<OrderRow | undefined> =>
  db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();

export const orderByNumber = (db: Database, number: string): Promise<OrderRow | undefined> =>
  db.selectFrom('orders').selectAll().where('number', '=', number).executeTakeFirst();

export const orderByInvoice = (db: Database, invoiceId: string): Promise<OrderRow | undefined> =>
  db.selectFrom('orders').selectAll().where('invoice_id', '=', invoiceId).executeTakeFirst();

export const orderByIdempotencyKey = (
  db: Database,
  accountId: string,
  key: string,
): Promise<OrderRow | undefined> =>
  db
    .selectFrom('orders')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();

/** An account's orders waiting for payment. */
export const openOrdersOf = (db: Database, accountId: string): Promise<OrderRow[]> =>
  db
    .selectFrom('orders')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('status', '=', 'open')
    .orderBy('id')
    .execute();

/** An account's orders whose idempotency key starts with `prefix` (the billing job's, of one period). */
export const ordersByKeyPrefix = (db: Database, accountId: string, prefix: string): Promise<OrderRow[]> =>
  db
    .selectFrom('orders')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('idempotency_key', 'like', `${prefix}%`)
    .orderBy('id')
    .execute();

/** Orders oldest first (`after` the cursor), or newest first (`after` is then the older side). */
export function ordersWhere(
  db: Database,
  filter: {
    accountId?: string | undefined;
    status?: OrderRow['status'] | undefined;
    newestFirst?: boolean | undefined;
    after?: string | undefined;
    limit: number;
  },
): Promise<OrderRow[]> {
  const newest = filter.newestFirst === true;
  let query = db.selectFrom('orders').selectAll();
  if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.after !== undefined) query = query.where('id', newest ? '<' : '>', filter.after);
  return query
    .orderBy('id', newest ? 'desc' : 'asc')
    .limit(filter.limit)
    .execute();
}

/**
 * Moves an order out of `from`, if it is still there: the row stays locked to this transaction,
 * so of two confirmations of one order, one moves it and the other finds it moved.
 */
export const moveOrder = (
  db: Database,
  id: string,
  from: OrderRow['status'],
  changes: Partial<Omit<OrderRow, 'id' | 'account_id' | 'number'>>,
): Promise<OrderRow | undefined> =>
  db
    .updateTable('orders')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', from)
    .returningAll()
    .executeTakeFirst();

export const insertPayment = (db: Database, row: PaymentRow) =>
  db.insertInto('payments').values(row).execute();

export const paymentById = (db: Database, id: string): Promise<PaymentRow | undefined> =>
  db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();

export const paymentByProviderRef = (
  db: Database,
  provider: PaymentRow['provider'],
  ref: string,
): Promise<PaymentRow | undefined> =>
  db
    .selectFrom('payments')
    .selectAll()
    .where('provider', '=', provider)
    .where('provider_ref', '=', ref)
    .executeTakeFirst();

export const paymentByIdempotencyKey = (
  db: Database,
  orderId: string,
  key: string,
): Promise<PaymentRow | undefined> =>
  db
    .selectFrom('payments')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();

export const paymentsOf = (db: Database, orderId: string): Promise<PaymentRow[]> =>
  db.selectFrom('payments').selectAll().where('order_id', '=', orderId).orderBy('id').execute();

/** Settles a payment still open (started or pending): of two confirmations, one settles it. */
export const settlePayment = (
  db: Database,
  id: string,
  changes: Partial<Pick<PaymentRow, 'status' | 'settled_at' | 'decline_reason' | 'provider_ref'>>,
): Promise<PaymentRow | undefined> =>
  db
    .updateTable('payments')
    .set(changes)
    .where('id', '=', id)
    .where('status', 'in', ['started', 'pending'])
    .returningAll()
    .executeTakeFirst();

export const markPaymentPending = (
  db: Database,
  id: string,
  changes: Pick<PaymentRow, 'provider_ref' | 'action_url'>,
): Promise<PaymentRow | undefined> =>
  db
    .updateTable('payments')
    .set({ ...changes, status: 'pending' })
    .where('id', '=', id)
    .where('status', '=', 'started')
    .returningAll()
    .executeTakeFirst();

export const insertRefund = (db: Database, row: RefundRow) => db.insertInto('refunds').values(row).execute();

export const refundOfLicense = (db: Database, licenseId: string): Promise<RefundRow | undefined> =>
  db.selectFrom('refunds').selectAll().where('license_id', '=', licenseId).executeTakeFirst();

export const markRefunded = (db: Database, id: string, providerRef: string, at: number) =>
  db
    .updateTable('refunds')
    .set({ provider_ref: providerRef, refunded_at: at })
    .where('id', '=', id)
    .where('refunded_at', 'is', null)
    .execute();

/** Takes the order's row for this transaction: payments of one order start one at a time. */
export const takeOrder = (db: Database, id: string): Promise<OrderRow | undefined> =>
  db
    .updateTable('orders')
    .set((eb) => ({ status: eb.ref('status') }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();

/** Payments still `status` that began at `before` or earlier, of one provider if named. */
export function stalePayments(
  db: Database,
  filter: { status: 'started' | 'pending'; before: number; provider?: PaymentRow['provider'] },
): Promise<PaymentRow[]> {
  let query = db
    .selectFrom('payments')
    .selectAll()
    .where('status', '=', filter.status)
    .where('created_at', '<=', filter.before);
  if (filter.provider !== undefined) query = query.where('provider', '=', filter.provider);
  return query.orderBy('id').limit(100).execute();
}

/** Refunds recorded but not yet accepted by a provider, oldest first. */
export const unsentRefunds = (db: Database): Promise<RefundRow[]> =>
  db
    .selectFrom('refunds')
    .innerJoin('payments', 'payments.id', 'refunds.payment_id')
    .selectAll('refunds')
    .where('refunds.refunded_at', 'is', null)
    .where('payments.provider', '!=', 'manual')
    .orderBy('refunds.id')
    .limit(100)
    .execute();

/** What has been refunded of a payment so far, in minor units. */
export async function refundedOf(db: Database, paymentId: string): Promise<number> {
  const row = await db
    .selectFrom('refunds')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('refunded'))
    .where('payment_id', '=', paymentId)
    .executeTakeFirstOrThrow();
  return Number(row.refunded);
}
