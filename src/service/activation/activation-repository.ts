import type { Insertable } from 'kysely';
import type { Database } from '../store/database.js';
import type { ActivationRow, ActivationsTable } from '../store/schema.js';

/** Every query on the activations table of its own (keys join it for their binding); "not found" is `undefined`. */

const ACTIVATION_COLUMNS = [
  'id',
  'license_id',
  'server_id',
  'fingerprint_digest',
  'fingerprint',
  'hostname',
  'activated_at',
  'refreshed_at',
  'certificates_issued',
  'renegotiations',
] as const;

/** The key's binding: one row per key, for good (its unique license_id settles a race). */
export const bindingOf = (db: Database, licenseId: string): Promise<ActivationRow | undefined> =>
  db
    .selectFrom('activations')
    .select(ACTIVATION_COLUMNS)
    .where('license_id', '=', licenseId)
    .executeTakeFirst();

export const activationById = (db: Database, id: string): Promise<ActivationRow | undefined> =>
  db.selectFrom('activations').select(ACTIVATION_COLUMNS).where('id', '=', id).executeTakeFirst();

export async function insertActivation(db: Database, row: Insertable<ActivationsTable>): Promise<void> {
  await db.insertInto('activations').values(row).execute();
}

/**
 * Moves the binding to a changed machine, if it still holds the fingerprint `from`: of racing
 * requests, one moves it. Undefined when another moved it first.
 */
export const followMachine = (
  db: Database,
  id: string,
  from: string,
  to: Pick<ActivationRow, 'fingerprint_digest' | 'fingerprint'>,
): Promise<ActivationRow | undefined> =>
  db
    .updateTable('activations')
    .set((eb) => ({ ...to, renegotiations: eb('renegotiations', '+', 1) }))
    .where('id', '=', id)
    .where('fingerprint_digest', '=', from)
    .returning(ACTIVATION_COLUMNS)
    .executeTakeFirst();

/** Counts a fresh certificate for the binding. */
export async function recordCertificate(db: Database, id: string, now: Date): Promise<void> {
  await db
    .updateTable('activations')
    .set((eb) => ({ refreshed_at: now.getTime(), certificates_issued: eb('certificates_issued', '+', 1) }))
    .where('id', '=', id)
    .execute();
}
