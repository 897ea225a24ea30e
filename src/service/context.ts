import type { Clock } from '../domain/clock.js';
import type { TaxRates } from '../domain/tax.js';
import type { PaymentProvider } from './payments/provider.js';
import type { VendorKeys } from './secrets/vendor-keys.js';
import type { CommitBatcher } from './store/commit-batcher.js';
import type { Store } from './store/database.js';

export interface ServicePolicy {
  /** How long an online certificate counts before the agent must refresh it. */
  certificateTtlMs: number;
  /** The series (prefix) invoices are numbered in when finalized; `SK-` unless configured. */
  invoicePrefix?: string | undefined;
  /** The service's address as customers reach it, for links back from a payment page. */
  publicUrl?: string | undefined;
  /** Tax rates by billing country (parts per million); none unless configured. */
  taxRates?: TaxRates | undefined;
  /** The bank wire and ACH details invoices print; "available on request" unless configured. */
  bankDetails?: readonly string[] | undefined;
  /** Who issues the invoices; `Seatkeeper` unless configured. */
  sellerName?: string | undefined;
}

/** What every operation gets, built by hand in one place. Nothing in it knows HTTP. */
export interface ServiceContext {
  store: Store;
  clock: Clock;
  vendor: VendorKeys;
  policy: ServicePolicy;
  /** Shares one commit among small writes that arrive together (heartbeats). */
  batch: CommitBatcher;
  /** Where online payments go: the built-in test provider unless Stripe is configured. */
  payments: PaymentProvider;
}

export const DEFAULT_POLICY: ServicePolicy = { certificateTtlMs: 7 * 86_400_000 };
