import { join } from 'node:path';
import type { Clock } from '../domain/clock.js';
import { seedDefaultPriceBook } from './catalog/operations.js';
import type { ServiceConfig } from './config.js';
import type { ServiceContext } from './context.js';
import { paymentProviderFor } from './payments/select.js';
import { createTestProvider } from './payments/test-provider.js';
import { bindVendorKeys, loadOrCreateVendorKeys } from './secrets/vendor-keys.js';
import { CommitBatcher } from './store/commit-batcher.js';
import { migrate, openStore } from './store/database.js';

export const sqlitePathIn = (dataDir: string): string => join(dataDir, 'seatkeeper.db');

/** Opens the store (migrated) and the vendor keys: what both `serve` and the admin commands need. */
export async function openContext(
  config: Pick<ServiceConfig, 'dataDir' | 'databaseUrl' | 'certificateTtlMs'> &
    Partial<
      Pick<
        ServiceConfig,
        'invoicePrefix' | 'payments' | 'publicUrl' | 'taxRates' | 'bankDetails' | 'sellerName'
      >
    >,
  clock: Clock,
): Promise<ServiceContext> {
  const vendor = loadOrCreateVendorKeys(config.dataDir);
  const store = openStore({ databaseUrl: config.databaseUrl, sqlitePath: sqlitePathIn(config.dataDir) });
  try {
    await migrate(store);
    await bindVendorKeys(store.db, vendor, config.dataDir, clock.now());
    await seedDefaultPriceBook(store.db, clock.now());
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    store,
    clock,
    vendor,
    policy: {
      certificateTtlMs: config.certificateTtlMs,
      invoicePrefix: config.invoicePrefix,
      // Without a trailing slash: links are made by appending a path.
      publicUrl: config.publicUrl?.toString().replace(/\/$/, ''),
      taxRates: config.taxRates,
      bankDetails: config.bankDetails,
      sellerName: config.sellerName,
    },
    batch: new CommitBatcher(store.db),
    payments: paymentProviderFor(config.payments ?? { provider: 'test' }, createTestProvider, clock),
  };
}
