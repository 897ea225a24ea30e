import type { CreateOrganization, Organization } from '../../contract/gateways.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { accountExists } from '../accounts/operations.js';
import { recordAudit } from '../audit/log.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import type { OrganizationRow } from '../store/gateway-schema.js';
import { inTransaction } from '../store/transaction.js';
import { refuseConflict } from '../store/unique.js';
import { actorOf, administeredIds, administeredOrganization } from './access.js';

/**
 * Organizations hold gateways and their licenses. They belong to a customer account: its owner
 * creates them and administers them all, and makes users of the account administrators of some.
 */
async function organizationView(db: Database, row: OrganizationRow): Promise<Organization> {
  const [admins, devices, licenses] = await Promise.all([
    db
      .selectFrom('organization_admins')
      .select('user_id')
      .where('organization_id', '=', row.id)
      .orderBy('user_id')
      .execute(),
    db
      .selectFrom('gateway_devices')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('organization_id', '=', row.id)
      .where('replaced_by', 'is', null)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('gateway_licenses')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('organization_id', '=', row.id)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    admins: admins.map((admin) => admin.user_id),
    devices: Number(devices.count),
    licenses: Number(licenses.count),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** The account's owner creates an organization in their account; staff name the account. */
export async function createOrganization(
  ctx: ServiceContext,
  principal: Principal,
  input: CreateOrganization,
): Promise<Result<Organization>> {
  const accountId = principal.kind === 'staff' ? input.accountId : principal.accountId;
  if (accountId === undefined)
    return fail('validation_failed', 'Name the account the organization belongs to.', 'accountId');
  if (principal.kind === 'account') {
    if (input.accountId !== undefined && input.accountId !== principal.accountId)
      return fail('account_not_found', `There is no account ${input.accountId}.`, 'accountId');
    if (principal.role !== 'owner')
      return fail('forbidden', 'Only the account’s owner creates organizations.');
  }
  const account = await accountExists(ctx, accountId);
  if (!account.ok) return account;
  const now = ctx.clock.now();
  const row: OrganizationRow = {
    id: newId('org', now.getTime()),
    account_id: accountId,
    name: input.name.trim(),
    created_at: now.getTime(),
    version: 0,
  };
  if (row.name === '') return fail('validation_failed', 'An organization has a name.', 'name');
  return inTransaction(ctx.store.db, async (tx) => {
    await tx.insertInto('organizations').values(row).execute();
    await recordAudit(tx, now, [
      {
        actor: actorOf(principal),
        accountId,
        entity: 'organization',
        entityId: row.id,
        action: 'created',
        after: { name: row.name },
      },
    ]);
    return ok(await organizationView(tx, row));
  });
}

/** The organizations the caller administers (staff: all, or one account's). */
export async function listOrganizations(
  ctx: ServiceContext,
  principal: Principal,
  filter: { accountId?: string | undefined } = {},
): Promise<Organization[]> {
  const db = ctx.store.db;
  const ids = [...(await administeredIds(db, principal))];
  if (ids.length === 0) return [];
  let query = db.selectFrom('organizations').selectAll().where('id', 'in', ids);
  if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
  const rows = await query.orderBy('id').execute();
  return Promise.all(rows.map((row) => organizationView(db, row)));
}

export async function showOrganization(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
): Promise<Result<Organization>> {
  const organization = await administeredOrganization(ctx.store.db, principal, organizationId);
  return organization.ok ? ok(await organizationView(ctx.store.db, organization.value)) : organization;
}

/** The owner (or staff) makes a user of the account an administrator of the organization. */
export async function addOrganizationAdmin(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
  userId: string,
): Promise<Result<Organization>> {
  const db = ctx.store.db;
  const organization = await administeredOrganization(db, principal, organizationId);
  if (!organization.ok) return organization;
  if (principal.kind === 'account' && principal.role !== 'owner')
    return fail('forbidden', 'Only the account’s owner makes administrators.');
  const user = await db
    .selectFrom('users')
    .select(['id', 'role'])
    .where('id', '=', userId)
    .where('account_id', '=', organization.value.account_id)
    .executeTakeFirst();
  if (user === undefined)
    return fail('validation_failed', `There is no user ${userId} in the organization’s account.`, 'userId');
  const now = ctx.clock.now();
  return refuseConflict(
    () =>
      inTransaction(db, async (tx) => {
        await tx
          .insertInto('organization_admins')
          .values({ organization_id: organizationId, user_id: userId, created_at: now.getTime() })
          .execute();
        await recordAudit(tx, now, [
          {
            actor: actorOf(principal),
            accountId: organization.value.account_id,
            entity: 'organization',
            entityId: organizationId,
            action: 'admin_added',
            after: { userId },
          },
        ]);
        return ok(await organizationView(tx, organization.value));
      }),
    () => fail('validation_failed', `User ${userId} administers the organization already.`, 'userId'),
  );
}
