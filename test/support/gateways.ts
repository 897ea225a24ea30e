import { randomBytes } from 'node:crypto';
import { createAccount } from '../../src/service/accounts/operations.js';
import type { Principal } from '../../src/service/auth/principal.js';
import { authenticate } from '../../src/service/auth/tokens.js';
import type { ServiceContext } from '../../src/service/context.js';
import { registerDevice, replaceDevice } from '../../src/service/gateways/devices.js';
import { createEnrollment, enrollDevice } from '../../src/service/gateways/enrollment.js';
import { addKey, issueGatewayKey } from '../../src/service/gateways/keys.js';
import { associateLicense } from '../../src/service/gateways/licenses.js';
import { createOrganization } from '../../src/service/gateways/organizations.js';
import { shareLicense } from '../../src/service/gateways/sharing.js';
import { value } from './results.js';

/**
 * The gateway's side starts from what the console makes, through the console's own operations: an
 * organization of an account, devices registered in it, licenses associated and shared, and
 * gateways enrolled with a fresh code.
 */
export interface TestOrganization {
  organizationId: string;
  accountId: string;
  ownerToken: string;
  owner: Principal;
}

/** An organization of an account of its own. */
export async function testOrganization(
  ctx: ServiceContext,
  name = 'Branch offices',
): Promise<TestOrganization> {
  const created = value(
    await createAccount(ctx, { email: `gw-${randomBytes(4).toString('hex')}@example.com` }),
  );
  return organizationOf(ctx, created.ownerToken, name);
}

/** An organization of the account whose owner's API token this is. */
export async function organizationOf(
  ctx: ServiceContext,
  ownerToken: string,
  name = 'Branch offices',
): Promise<TestOrganization> {
  const owner = await authenticate(ctx, ownerToken);
  if (owner?.kind !== 'account') throw new Error('the owner token does not authenticate an account');
  const organization = value(await createOrganization(ctx, owner, { name }));
  return { organizationId: organization.id, accountId: owner.accountId, ownerToken, owner };
}

let registered = 0;

export async function registerTestDevice(
  ctx: ServiceContext,
  organization: TestOrganization,
  name = 'ESG',
): Promise<string> {
  registered += 1;
  // Serial numbers and MACs are unique across the store: random, and counted within this process.
  const unique = `${randomBytes(3).toString('hex')}${registered.toString(16).padStart(6, '0')}`.toUpperCase();
  const device = await registerDevice(ctx, organization.owner, organization.organizationId, {
    name,
    model: 'ESG510',
    serialNumber: `ESG510-${unique}`,
    mac: (unique.match(/../g) ?? []).join(':'),
  });
  return value(device).id;
}

/** A license of `sku`, added to the organization and associated with the device now; its id. */
export async function associatedLicense(
  ctx: ServiceContext,
  organization: TestOrganization,
  deviceId: string,
  sku: string,
): Promise<string> {
  const issued = value(
    await issueGatewayKey(ctx, organization.owner, { accountId: organization.accountId, sku, quantity: 1 }),
  );
  const [licenseId] = value(
    await addKey(ctx, organization.owner, organization.organizationId, issued.key),
  ).licenseIds;
  if (licenseId === undefined) throw new Error('the key gave no license');
  return value(await associateLicense(ctx, organization.owner, licenseId, deviceId)).id;
}

/** The license shared with more gateways ("Share"): a replica bound to each. */
export async function shareWith(
  ctx: ServiceContext,
  organization: TestOrganization,
  licenseId: string,
  ...deviceIds: string[]
): Promise<void> {
  value(await shareLicense(ctx, organization.owner, licenseId, deviceIds));
}

/** The device enrolled through a fresh code; its device credential. */
export async function enrolledCredential(
  ctx: ServiceContext,
  organization: TestOrganization,
  deviceId: string,
): Promise<string> {
  const enrollment = value(await createEnrollment(ctx, organization.owner, deviceId));
  return value(await enrollDevice(ctx, enrollment.code)).credential;
}

/** Replace Device: the failed gateway's licenses go to its replacement, and its credential ends. */
export async function replaced(
  ctx: ServiceContext,
  organization: TestOrganization,
  deviceId: string,
  replacementId: string,
): Promise<void> {
  value(await replaceDevice(ctx, organization.owner, deviceId, replacementId));
}
