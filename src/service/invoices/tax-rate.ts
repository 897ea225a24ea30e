import { taxRateFor } from '../../domain/tax.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import { billingAddressOf } from './invoice-repository.js';

/**
 * The tax rate (parts per million) of an account's next invoice: the configured rate of its
 * billing address's country; 0 without a country, or for a country no rate is configured for.
 * `db` is the caller's transaction when the rate goes into a draft made in it.
 */
export async function taxRateOf(ctx: ServiceContext, db: Database, accountId: string): Promise<number> {
  const country = (await billingAddressOf(db, accountId))?.country ?? null;
  if (country === null || ctx.policy.taxRates === undefined) return 0;
  const rate = taxRateFor(ctx.policy.taxRates, country);
  return rate.ok ? rate.value : 0;
}
