import type { ServiceContext } from '../context.js';
import type { InvoiceRow } from '../store/schema.js';
import { invoiceSeries } from './series.js';

/** Invoices are issued in this name unless the service is told otherwise. */
export const DEFAULT_SELLER_NAME = 'Seatkeeper';

/** Who issues the invoices and how they are paid, as configured. */
export interface Seller {
  name: string;
  /** The bank wire and ACH details, one line each; undefined when none are configured. */
  bankDetails: readonly string[] | undefined;
}

export const sellerOf = (ctx: ServiceContext): Seller => ({
  name: ctx.policy.sellerName ?? DEFAULT_SELLER_NAME,
  bankDetails: ctx.policy.bankDetails,
});

/** How this service finalizes: the series it numbers in and who it issues as. */
export const issuingAs = (ctx: ServiceContext): { series: string; issuer: Seller } => ({
  series: invoiceSeries(ctx),
  issuer: sellerOf(ctx),
});

/** Who issued an invoice: as stored when it was finalized; the configuration's for one issued before that was kept. */
export const issuerOf = (ctx: ServiceContext, row: Pick<InvoiceRow, 'issuer'>): Seller =>
  row.issuer === null ? sellerOf(ctx) : (JSON.parse(row.issuer) as Seller);
