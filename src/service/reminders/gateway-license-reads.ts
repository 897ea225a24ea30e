import { type SqlBool, sql } from 'kysely';
import { licenseTerm } from '../../domain/gateway-license.js';
import { licenseReminderDue } from '../../domain/gateway-lifecycle.js';
import type { markWindows, ReminderMark } from '../../domain/reminders.js';
import { DAY_MS } from '../../domain/terms.js';
import type { Database } from '../store/database.js';
import type { Candidate } from './reminder-repository.js';

/**
 * The gateway licenses the reminder job reads: associated ones whose term ends within a mark's
 * window, and what their email says. Their reminders are stored as `license` reminders under the
 * license's own id (gwl_...), which tells them from keys (lic_...).
 *
 * A license's end is not stored: it is its activation + its model's years (`licenseTerm`), which
 * SQL cannot add by the calendar. A year is 365 or 366 days, so these bounds keep every license
 * that may end in the window, and the job decides on the exact end. A license's term never moves
 * (it starts once, at its first association), so a mark reminded once is never due again for it.
 */

const YEAR_FROM_MS = 365 * DAY_MS;
const YEAR_TO_MS = 366 * DAY_MS;

/** The id prefix of a gateway license, and so of its reminders' subjects. */
export const GATEWAY_LICENSE_PREFIX = 'gwl_';

export const isGatewayLicenseId = (id: string): boolean => id.startsWith(GATEWAY_LICENSE_PREFIX);

/** Licenses associated with a device (their owner's, replicas aside) that may end in the window. */
export const gatewayLicensesEndingWithin = (
  db: Database,
  window: { after: number; upTo: number; mark: ReminderMark },
) =>
  db
    .selectFrom('gateway_licenses')
    .innerJoin('organizations', 'organizations.id', 'gateway_licenses.organization_id')
    .select([
      'gateway_licenses.id',
      'organizations.account_id',
      'gateway_licenses.activated_at',
      'gateway_licenses.term_years',
    ])
    .where('gateway_licenses.device_id', 'is not', null)
    .where('gateway_licenses.activated_at', 'is not', null)
    .where(
      sql`gateway_licenses.activated_at + gateway_licenses.term_years * cast(${YEAR_FROM_MS} as bigint)`,
      '<=',
      window.upTo,
    )
    .where(
      sql`gateway_licenses.activated_at + gateway_licenses.term_years * cast(${YEAR_TO_MS} as bigint)`,
      '>',
      window.after,
    )
    .where(
      sql<SqlBool>`not exists (select 1 from reminders where reminders.subject = 'license'
        and reminders.subject_id = gateway_licenses.id and reminders.days_before = ${window.mark})`,
    )
    .execute();

/** What a gateway license's reminder says: its model, its device, its organization, the owner's email. */
export const remindedGatewayLicenses = (db: Database, ids: readonly string[]) =>
  db
    .selectFrom('gateway_licenses')
    .innerJoin('organizations', 'organizations.id', 'gateway_licenses.organization_id')
    .innerJoin('accounts', 'accounts.id', 'organizations.account_id')
    .innerJoin('gateway_keys', 'gateway_keys.id', 'gateway_licenses.key_id')
    .leftJoin('gateway_devices', 'gateway_devices.id', 'gateway_licenses.device_id')
    .select((eb) => [
      'gateway_licenses.id',
      'gateway_licenses.sku',
      'gateway_licenses.kind',
      'gateway_licenses.users',
      'gateway_licenses.term_years',
      'gateway_licenses.activated_at',
      'gateway_licenses.device_id',
      'gateway_keys.key_hint',
      'organizations.account_id',
      'organizations.name as organization_name',
      'accounts.email',
      'gateway_devices.name as device_name',
      'gateway_devices.serial_number',
      'gateway_devices.model as device_model',
      eb
        .selectFrom('gateway_replicas')
        .select((inner) => inner.fn.countAll<number>().as('replicas'))
        .whereRef('gateway_replicas.license_id', '=', 'gateway_licenses.id')
        .as('replicas'),
    ])
    .where('gateway_licenses.id', 'in', ids)
    .execute();

/**
 * Gateway licenses associated with a device (SecuPoint or Pro) whose term gets `mark`'s notice now.
 * A shared license is noticed once, for its owner device: its replicas are not licenses of their own.
 */
export async function dueGatewayLicenses(
  db: Database,
  now: Date,
  window: ReturnType<typeof markWindows>[number],
): Promise<Candidate[]> {
  const rows = await gatewayLicensesEndingWithin(db, window);
  return rows.flatMap((row): Candidate[] => {
    if (row.activated_at === null) return [];
    const term = licenseTerm({ termYears: row.term_years }, new Date(row.activated_at));
    if (licenseReminderDue(term, now) !== window.mark) return [];
    return [
      {
        subject: 'license',
        subjectId: row.id,
        accountId: row.account_id,
        endsAt: term.ends.getTime(),
        mark: window.mark,
      },
    ];
  });
}
