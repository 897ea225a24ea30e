import { Value } from '@sinclair/typebox/value';
import {
  type AccountBillingAddress,
  BilledTo,
  BillingAddress,
  type Invoice,
  InvoiceLine,
  type InvoiceOrder,
} from '../../contract/invoices.js';
import type { BillingAddressesTable, InvoiceRow } from '../store/schema.js';

export type InvoiceView = Invoice;
export type BillingAddressView = AccountBillingAddress;

/** How a number is printed: its series (the prefix) and six digits at least, e.g. `SK-000042`. */
export const formatInvoiceNumber = (series: string, number: number): string =>
  `${series}${String(number).padStart(6, '0')}`;

const instant = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const addressView = (row: BillingAddressesTable): BillingAddress => ({
  companyName: row.company_name,
  address: row.address,
  city: row.city,
  state: row.state,
  taxInfo: row.tax_info,
  phone: row.phone,
  website: row.website,
  country: row.country,
});

function parsedLines(row: InvoiceRow): InvoiceLine[] {
  const lines: unknown = JSON.parse(row.lines);
  if (!Array.isArray(lines) || !lines.every((line) => Value.Check(InvoiceLine, line)))
    throw new Error(`the lines stored for invoice ${row.id} are not invoice lines`);
  return lines;
}

function parsedBilledTo(id: string, stored: string): BilledTo {
  const billedTo: unknown = JSON.parse(stored);
  if (!Value.Check(BilledTo, [BillingAddress], billedTo))
    throw new Error(`the Billed To stored for invoice ${id} is not one`);
  return billedTo;
}

export const invoiceView = (row: InvoiceRow): InvoiceView => ({
  id: row.id,
  accountId: row.account_id,
  status: row.status,
  kind: row.kind,
  creditsInvoiceId: row.credits_invoice_id,
  order: row.order_ref === null ? null : (JSON.parse(row.order_ref) as InvoiceOrder),
  number: row.series === null || row.number === null ? null : formatInvoiceNumber(row.series, row.number),
  series: row.series,
  sequence: row.number,
  currency: row.currency,
  lines: parsedLines(row),
  subtotal: row.subtotal,
  taxRate: row.tax_rate,
  tax: row.tax,
  total: row.total,
  // Read back as it was stored at finalization, never recomputed.
  billedTo: row.billed_to === null ? null : parsedBilledTo(row.id, row.billed_to),
  createdAt: new Date(row.created_at).toISOString(),
  finalizedAt: instant(row.finalized_at),
  dueAt: instant(row.due_at),
  paidAt: instant(row.paid_at),
  voidedAt: instant(row.voided_at),
});
