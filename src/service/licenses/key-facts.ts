import { fail, ok, type Result } from '../../domain/errors.js';
import type { KeyFacts } from '../../domain/key-lifecycle.js';
import type { Database } from '../store/database.js';
import type { LicenseRow } from '../store/schema.js';
import { isKeyActivated, licenseById, takeLicense } from './license-repository.js';

/** A key's row with what the lifecycle rules need to know of it. */
export interface KnownKey {
  row: LicenseRow;
  facts: KeyFacts;
}

/** How a change loads the key: taking its row (`lockKey`), or reading it for a check ahead (`readKey`). */
export type KeyLoader = (db: Database, licenseId: string) => Promise<Result<KnownKey>>;

async function known(
  db: Database,
  licenseId: string,
  row: LicenseRow | undefined,
): Promise<Result<KnownKey>> {
  if (row === undefined) return fail('license_not_found', `There is no license ${licenseId}.`, 'licenseId');
  return ok({
    row,
    facts: {
      seats: row.seats,
      purchasedAt: new Date(row.purchased_at),
      term: { starts: new Date(row.starts_at), ends: new Date(row.ends_at) },
      termYears: row.term_years,
      // A key counts as used when it or its failover key is activated.
      activated: await isKeyActivated(db, licenseId),
      ended: row.revoked_at !== null,
      failover: row.failover_of !== null,
    },
  });
}

/** Takes the key's row for this transaction, with what the rules need to know of it. */
export const lockKey: KeyLoader = async (tx, licenseId) =>
  known(tx, licenseId, await takeLicense(tx, licenseId));

/** The key as it is now, untaken: what a support request is checked against when it is opened. */
export const readKey: KeyLoader = async (db, licenseId) =>
  known(db, licenseId, await licenseById(db, licenseId));
