import { fail, ok, type Result } from '../../domain/errors.js';
import type { Principal } from '../auth/principal.js';
import type { Database, Engine } from '../store/database.js';
import type { OrganizationRow } from '../store/gateway-schema.js';
import { organizationById } from './repository.js';

/**
 * Who manages an organization's gateways: vendor staff; the owner of the account it belongs to,
 * who administers all of the account's organizations; and the users the owner made its
 * administrators. A user of another account finds the organization as unknown, not forbidden.
 */
export async function isAdministrator(
  db: Database,
  principal: Principal,
  organization: OrganizationRow,
): Promise<boolean> {
  if (principal.kind === 'staff') return true;
  if (principal.accountId !== organization.account_id) return false;
  if (principal.role === 'owner') return true;
  const admin = await db
    .selectFrom('organization_admins')
    .select('user_id')
    .where('organization_id', '=', organization.id)
    .where('user_id', '=', principal.userId)
    .executeTakeFirst();
  return admin !== undefined;
}

/** The organization, when the caller administers it; unknown when they may not even see it. */
export async function administeredOrganization(
  db: Database,
  principal: Principal,
  organizationId: string,
): Promise<Result<OrganizationRow>> {
  const organization = await organizationById(db, organizationId);
  const unknown = fail(
    'organization_not_found',
    `There is no organization ${organizationId}.`,
    'organizationId',
  );
  if (organization === undefined) return unknown;
  if (principal.kind === 'account' && principal.accountId !== organization.account_id) return unknown;
  if (!(await isAdministrator(db, principal, organization)))
    return fail(
      'organization_not_administered',
      `You are not an administrator of organization ${organization.name} (${organizationId}).`,
      'organizationId',
    );
  return ok(organization);
}

/** The ids of the organizations the caller administers, for the rules that cross two of them. */
export async function administeredIds(db: Database, principal: Principal): Promise<Set<string>> {
  if (principal.kind === 'staff') {
    const all = await db.selectFrom('organizations').select('id').execute();
    return new Set(all.map((row) => row.id));
  }
  const query =
    principal.role === 'owner'
      ? db.selectFrom('organizations').select('id').where('account_id', '=', principal.accountId)
      : db
          .selectFrom('organization_admins')
          .innerJoin('organizations', 'organizations.id', 'organization_admins.organization_id')
          .select('organizations.id')
          .where('organization_admins.user_id', '=', principal.userId)
          .where('organizations.account_id', '=', principal.accountId);
  return new Set((await query.execute()).map((row) => row.id));
}

/** Who the audit log names for a change: the user, or the operator at the command line. */
export const actorOf = (principal: Principal | undefined): string => principal?.userId ?? 'operator';

/**
 * Locks the organizations named, and those of the licenses and devices named, in one statement:
 * the first of its transaction, so SQLite takes its write lock at once; on PostgreSQL the rows are
 * locked in id order, so that two changes across the same organizations never wait on each other.
 * Every change to an organization's devices, licenses and replicas holds its lock, so they happen
 * one at a time and see each other whole; a change across two organizations (a move) holds both.
 */
export async function lockOrganizations(
  tx: Database,
  engine: Engine,
  named: {
    organizationIds?: readonly string[];
    licenseIds?: readonly string[];
    deviceIds?: readonly string[];
  },
): Promise<Set<string>> {
  const chosen = tx
    .selectFrom('organizations')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('id', 'in', ['', ...(named.organizationIds ?? [])]),
        eb(
          'id',
          'in',
          eb
            .selectFrom('gateway_licenses')
            .select('organization_id')
            .where('id', 'in', ['', ...(named.licenseIds ?? [])]),
        ),
        eb(
          'id',
          'in',
          eb
            .selectFrom('gateway_devices')
            .select('organization_id')
            .where('id', 'in', ['', ...(named.deviceIds ?? [])]),
        ),
      ]),
    )
    .orderBy('id');
  const locked = await tx
    .updateTable('organizations')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', 'in', engine === 'postgres' ? chosen.forUpdate() : chosen)
    .returning('id')
    .execute();
  return new Set(locked.map((row) => row.id));
}
