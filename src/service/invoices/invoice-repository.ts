import type { Database } from '../store/database.js';
import type { BillingAddressesTable, InvoiceRow } from '../store/schema.js';

/** The invoices' tables, every query in one place; "not found" is `undefined`. */

export const INVOICE_COLUMNS = [
  'id',
  'account_id',
  'status',
  'series',
  'number',
  'currency',
  'lines',
  'subtotal',
  'tax',
  'total',
  'net_days',
  'billed_to',
  'created_at',
  'finalized_at',
  'due_at',
  'paid_at',
  'voided_at',
  'tax_rate',
  'kind',
  'credits_invoice_id',
  'issuer',
  'order_ref',
] as const;

export const insertInvoice = (db: Database, row: InvoiceRow) =>
  db.insertInto('invoices').values(row).execute();

export const invoiceById = (db: Database, id: string): Promise<InvoiceRow | undefined> =>
  db.selectFrom('invoices').select(INVOICE_COLUMNS).where('id', '=', id).executeTakeFirst();

/** A page of invoices, oldest first, after the invoice `after` (a position: it need not exist). */
export function invoicesWhere(
  db: Database,
  filter: {
    accountId?: string | undefined;
    status?: InvoiceRow['status'] | undefined;
    after?: string | undefined;
    /** Newest first (the pages), where the API pages oldest first. */
    newestFirst?: boolean | undefined;
    limit: number;
  },
): Promise<InvoiceRow[]> {
  const order = filter.newestFirst === true ? 'desc' : 'asc';
  let query = db.selectFrom('invoices').select(INVOICE_COLUMNS).orderBy('id', order).limit(filter.limit);
  if (filter.after !== undefined) query = query.where('id', order === 'asc' ? '>' : '<', filter.after);
  if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  return query.execute();
}

/**
 * Moves an invoice from `from` with `changes`, if it is still in `from`: the row stays locked to
 * this transaction, so two concurrent moves of one invoice make one change.
 */
export const moveInvoice = (
  db: Database,
  id: string,
  from: InvoiceRow['status'],
  changes: Partial<Omit<InvoiceRow, 'id' | 'account_id'>>,
): Promise<InvoiceRow | undefined> =>
  db
    .updateTable('invoices')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', from)
    .returning(INVOICE_COLUMNS)
    .executeTakeFirst();

/**
 * The next number of `series`, from its counter row, in the caller's transaction: the row stays
 * locked until it ends, and a rollback gives the number back. Never a sequence (a rollback would
 * burn a number) and never a count (two at once would take the same one).
 */
export async function takeNextNumber(tx: Database, series: string): Promise<number> {
  const bump = () =>
    tx
      .updateTable('invoice_series')
      .set((eb) => ({ last_number: eb('last_number', '+', 1) }))
      .where('series', '=', series)
      .returning('last_number')
      .executeTakeFirst();
  const taken = await bump();
  if (taken !== undefined) return taken.last_number;
  // The series' first number: whoever creates the row first, the others wait for it and then bump it.
  await tx
    .insertInto('invoice_series')
    .values({ series, last_number: 0 })
    .onConflict((oc) => oc.column('series').doNothing())
    .execute();
  const first = await bump();
  if (first === undefined) throw new Error(`the invoice series ${series} has no counter row`);
  return first.last_number;
}

export const lastNumberOf = async (db: Database, series: string): Promise<number> =>
  (
    await db
      .selectFrom('invoice_series')
      .select('last_number')
      .where('series', '=', series)
      .executeTakeFirst()
  )?.last_number ?? 0;

/** Every number the invoices of a series carry, ascending, repeats included. */
export const numbersOf = async (db: Database, series: string): Promise<number[]> =>
  (
    await db
      .selectFrom('invoices')
      .select('number')
      .where('series', '=', series)
      .where('number', 'is not', null)
      .orderBy('number')
      .execute()
  ).flatMap((row) => (row.number === null ? [] : [row.number]));

export type BillingAddressRow = BillingAddressesTable;

const ADDRESS_COLUMNS = [
  'account_id',
  'company_name',
  'address',
  'city',
  'state',
  'tax_info',
  'phone',
  'website',
  'country',
  'updated_at',
] as const;

export const billingAddressOf = (db: Database, accountId: string): Promise<BillingAddressRow | undefined> =>
  db
    .selectFrom('billing_addresses')
    .select(ADDRESS_COLUMNS)
    .where('account_id', '=', accountId)
    .executeTakeFirst();

export async function saveBillingAddressRow(db: Database, row: BillingAddressRow): Promise<void> {
  const { account_id: _key, ...changes } = row;
  await db
    .insertInto('billing_addresses')
    .values(row)
    .onConflict((oc) => oc.column('account_id').doUpdateSet(changes))
    .execute();
}
