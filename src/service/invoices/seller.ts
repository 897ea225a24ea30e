import type { ServiceContext } from '../context.js';

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
