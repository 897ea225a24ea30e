import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';

/** The tax rate (parts per million) of an account's invoices. */
export async function taxRateOf(_ctx: ServiceContext, _db: Database, _accountId: string): Promise<number> {
  return 0;
}
