import { randomBytes } from 'node:crypto';
import { newId } from '../../src/domain/ids.js';
import { createAccount } from '../../src/service/accounts/operations.js';
import type { Principal } from '../../src/service/auth/principal.js';
import { authenticate } from '../../src/service/auth/tokens.js';
import type { ServiceContext } from '../../src/service/context.js';
import { createEnrollment, enrollDevice } from '../../src/service/gateways/enrollment.js';
import { addKey, issueGatewayKey } from '../../src/service/gateways/keys.js';

/**
 * Gateway test data, written straight to the store where the console's operations are not the
 * subject: an organization of an account of its own, devices registered in it, licenses associated
 * with them and shared, and gateways enrolled.
 */
const must = <T>(
  result: { ok: true; value: T } | { ok: false; error: { code: string; detail: string } },
): T => {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.detail}`);
  return result.value;
};

export interface TestOrganization {
  organizationId: string;
  accountId: string;
  ownerToken: string;
  owner: Principal;
}

export async function testOrganization(
  ctx: ServiceContext,
  name = 'Branch offices',
): Promise<TestOrganization> {
  const created = must(
    await createAccount(ctx, { email: `gw-${randomBytes(4).toString('hex')}@example.com` }),
  );
  return organizationOf(ctx, created.account.id, created.ownerToken, name);
}

/** An organization of an account that exists, administered by its owner (whose API token this is). */
export async function organizationOf(
  ctx: ServiceContext,
  accountId: string,
  ownerToken: string,
  name = 'Branch offices',
): Promise<TestOrganization> {
  const owner = await authenticate(ctx, ownerToken);
  if (owner === undefined) throw new Error('the owner token does not authenticate');
  const now = ctx.clock.now().getTime();
  const organizationId = newId('org', now);
  await ctx.store.db
    .insertInto('organizations')
    .values({ id: organizationId, account_id: accountId, name, created_at: now })
    .execute();
  return { organizationId, accountId, ownerToken, owner };
}

export async function registerTestDevice(
  ctx: ServiceContext,
  organization: TestOrganization,
  name = 'ESG',
): Promise<string> {
  const now = ctx.clock.now().getTime();
  const id = newId('dev', now);
  const serial = randomBytes(6).toString('hex').toUpperCase();
  const mac = (randomBytes(6).toString('hex').match(/../g) ?? []).join(':').toUpperCase();
  await ctx.store.db
    .insertInto('gateway_devices')
    .values({
      id,
      organization_id: organization.organizationId,
      serial_number: serial,
      mac,
      model: 'ESG510',
      name,
      registered_at: now,
      registered_by: organization.owner.userId,
      replaced_by: null,
      replaced_at: null,
      enrollment_digest: null,
      enrollment_expires_at: null,
      credential_digest: null,
      enrolled_at: null,
      last_seen_at: null,
      version: 0,
    })
    .execute();
  return id;
}

/** A license of `sku`, added to the organization and associated with the device now; its id. */
export async function associatedLicense(
  ctx: ServiceContext,
  organization: TestOrganization,
  deviceId: string,
  sku: string,
): Promise<string> {
  const issued = must(
    await issueGatewayKey(ctx, organization.owner, { accountId: organization.accountId, sku, quantity: 1 }),
  );
  const added = must(await addKey(ctx, organization.owner, organization.organizationId, issued.key));
  const licenseId = added.licenseIds[0];
  if (licenseId === undefined) throw new Error('the key gave no license');
  const now = ctx.clock.now().getTime();
  await ctx.store.db
    .updateTable('gateway_licenses')
    .set({ device_id: deviceId, associated_at: now, activated_at: now })
    .where('id', '=', licenseId)
    .execute();
  await ctx.store.db
    .insertInto('gateway_associations')
    .values({
      id: newId('gwa', now),
      license_id: licenseId,
      device_id: deviceId,
      associated_at: now,
      undone_at: null,
    })
    .execute();
  return licenseId;
}

/** The license shared with more gateways: a replica bound to each. */
export async function shareWith(
  ctx: ServiceContext,
  licenseId: string,
  ...deviceIds: string[]
): Promise<void> {
  const now = ctx.clock.now().getTime();
  await ctx.store.db
    .insertInto('gateway_replicas')
    .values(deviceIds.map((deviceId) => ({ license_id: licenseId, device_id: deviceId, created_at: now })))
    .execute();
}

/** The device enrolled through a fresh code; its device credential. */
export async function enrolledCredential(
  ctx: ServiceContext,
  organization: TestOrganization,
  deviceId: string,
): Promise<string> {
  const enrollment = must(await createEnrollment(ctx, organization.owner, deviceId));
  return must(await enrollDevice(ctx, enrollment.code)).credential;
}

/** The device marked replaced by another one (what the console's Replace Device records). */
export async function markReplaced(
  ctx: ServiceContext,
  deviceId: string,
  replacementId: string,
): Promise<void> {
  await ctx.store.db
    .updateTable('gateway_devices')
    .set({ replaced_by: replacementId, replaced_at: ctx.clock.now().getTime() })
    .where('id', '=', deviceId)
    .execute();
}
