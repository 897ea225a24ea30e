import type { Invoice } from '../../contract/invoices.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { formatAmount } from '../../domain/money.js';
import { formatRate } from '../../domain/tax.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { invoiceById } from './invoice-repository.js';
import { invoiceFor } from './operations.js';
import { issuerOf, type Seller, sellerOf } from './seller.js';
import { formatInvoiceNumber } from './views.js';

/**
 * One model of an issued invoice, which both renderings (HTML and PDF) print in the same order,
 * word for word: what one shows, the other shows. Built from what the invoice stored when it was
 * finalized ("Billed To" included), never from the account's current address.
 */

export interface DocumentFact {
  label: string;
  value: string;
}

export interface DocumentLine {
  description: string;
  quantity: string;
  unitPrice: string;
  amount: string;
}

export interface InvoiceDocument {
  /** `Invoice` or `Credit note`. */
  title: string;
  number: string;
  /** `Invoice SK-000001`: the page's heading. */
  heading: string;
  seller: string;
  /** Issue date, due date, status. */
  facts: DocumentFact[];
  /** On a credit note: `Credits invoice SK-000012`. */
  credits: string | null;
  billedTo: { heading: string; lines: string[] };
  columns: readonly string[];
  lines: DocumentLine[];
  /** Subtotal, `Tax (19%)`, Total. */
  totals: DocumentFact[];
  /** Every invoice says how to pay it by bank wire or ACH, configured or not. */
  payment: { heading: string; lines: string[] };
  /** When it was finalized: the date the PDF says it was made, so that it is the same each time. */
  issuedAt: Date;
  fileName: string;
}

export const DOCUMENT_COLUMNS = ['Description', 'Quantity', 'Unit price', 'Amount'] as const;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `30 November 2026`, in UTC: read the same way everywhere, whatever the reader's locale. */
export const documentDate = (instant: Date): string =>
  `${instant.getUTCDate()} ${MONTHS[instant.getUTCMonth()]} ${instant.getUTCFullYear()}`;

const REGIONS = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** `Germany` for DE; a code the runtime has no name for prints as it is. */
export function countryName(code: string): string {
  try {
    return REGIONS.of(code) ?? code;
  } catch {
    return code;
  }
}

function billedToLines(billedTo: NonNullable<Invoice['billedTo']>): string[] {
  const address = billedTo.address;
  const present = (lines: (string | null | undefined)[]) =>
    lines.filter((line): line is string => line !== null && line !== undefined && line !== '');
  if (address === null) return present([billedTo.accountName, billedTo.email]);
  return present([
    billedTo.accountName,
    billedTo.email,
    // Most accounts are named after their company: one line, not the same line twice.
    address.companyName === billedTo.accountName ? null : address.companyName,
    address.address,
    address.city,
    address.state,
    address.country === null || address.country === undefined ? null : countryName(address.country),
    address.taxInfo === null ? null : `Tax ID: ${address.taxInfo}`,
    address.phone === null ? null : `Phone: ${address.phone}`,
    address.website,
  ]);
}

const STATUS: Record<Invoice['status'], string> = {
  draft: 'Draft',
  open: 'Open',
  paid: 'Paid',
  void: 'Void',
};

/** The order an invoice bills and, for accounts payable, the purchase order it answers. */
function orderFacts(order: Invoice['order']): DocumentFact[] {
  if (order === null) return [];
  const purchase = order.purchaseOrder;
  return [
    { label: 'Order', value: order.number },
    ...(purchase?.reference === undefined ? [] : [{ label: 'Purchase order', value: purchase.reference }]),
    ...(purchase === null
      ? []
      : [
          { label: 'Accounts payable', value: purchase.accountsPayableEmail },
          { label: 'Licenses for', value: purchase.endUserAccount },
        ]),
  ];
}

/**
 * The document of a finalized invoice; a draft has none (no number, no date, "Billed To" not
 * fixed yet). `creditedNumber` is the number of the invoice a credit note credits.
 */
export function invoiceDocument(
  invoice: Invoice,
  seller: Seller,
  creditedNumber: string | null = null,
): Result<InvoiceDocument> {
  const { number, finalizedAt, dueAt, billedTo } = invoice;
  if (number === null || finalizedAt === null || dueAt === null || billedTo === null)
    return fail(
      'invoice_is_draft',
      `The invoice ${invoice.id} is a draft: finalize it first; it gets its number, date and document then.`,
      'id',
    );
  const title = invoice.kind === 'credit_note' ? 'Credit note' : 'Invoice';
  const price = (amount: number) => formatAmount(amount, invoice.currency);
  const issuedAt = new Date(finalizedAt);
  return ok({
    title,
    number,
    heading: `${title} ${number}`,
    seller: seller.name,
    facts: [
      { label: 'Issue date', value: documentDate(issuedAt) },
      { label: 'Due date', value: documentDate(new Date(dueAt)) },
      { label: 'Status', value: STATUS[invoice.status] },
      ...orderFacts(invoice.order),
    ],
    credits:
      invoice.kind === 'credit_note'
        ? `Credits invoice ${creditedNumber ?? invoice.creditsInvoiceId ?? ''}`.trim()
        : null,
    billedTo: { heading: 'Billed To', lines: billedToLines(billedTo) },
    columns: DOCUMENT_COLUMNS,
    lines: invoice.lines.map((line) => ({
      description: line.description,
      quantity: String(line.quantity),
      unitPrice: price(line.unitAmount),
      amount: price(line.amount),
    })),
    totals: [
      { label: 'Subtotal', value: price(invoice.subtotal) },
      { label: `Tax (${formatRate(invoice.taxRate)})`, value: price(invoice.tax) },
      { label: 'Total', value: price(invoice.total) },
    ],
    // A credit note is paid out, not paid: it says where the money goes instead of how to pay.
    payment:
      invoice.kind === 'credit_note'
        ? { heading: 'Refund', lines: ['The total is refunded to the original method of payment.'] }
        : {
            heading: 'Pay by bank wire or ACH',
            lines: [
              ...(seller.bankDetails ?? [
                `Bank wire and ACH details are available from ${seller.name} on request.`,
              ]),
              `Quote ${number} as the payment reference.`,
            ],
          },
    issuedAt,
    fileName: `${number}.pdf`,
  });
}

/** The document of one invoice, for staff or its account's owner: the access of `invoiceFor`. */
export async function documentFor(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
): Promise<Result<InvoiceDocument>> {
  const invoice = await invoiceFor(ctx, principal, id);
  if (!invoice.ok) return invoice;
  const creditsId = invoice.value.creditsInvoiceId;
  const credited = creditsId === null ? undefined : await invoiceById(ctx.store.db, creditsId);
  const creditedNumber =
    credited?.series === null || credited?.number === null || credited === undefined
      ? null
      : formatInvoiceNumber(credited.series, credited.number);
  const row = await invoiceById(ctx.store.db, id);
  return invoiceDocument(
    invoice.value,
    row === undefined ? sellerOf(ctx) : issuerOf(ctx, row),
    creditedNumber,
  );
}
