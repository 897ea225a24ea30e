import { addMember, createAccount } from '../../src/service/accounts/operations.js';
import type { ServiceContext } from '../../src/service/context.js';
import { issueGatewayKey } from '../../src/service/gateways/keys.js';
import { listLicenses } from '../../src/service/gateways/licenses.js';
import { addOrganizationAdmin } from '../../src/service/gateways/organizations.js';
import { organizationOf, type TestOrganization } from '../support/gateways.js';
import { value } from '../support/results.js';
import { givePassword } from '../support/web.js';

/** A customer for the gateway pages: an account whose owner signs in with a password, and an organization. */
export interface GatewayCustomer extends TestOrganization {
  email: string;
}

let made = 0;

export async function gatewayCustomer(
  ctx: ServiceContext,
  name = 'Head office',
  email = `gateways${++made}-${Date.now().toString(36)}@example.com`,
): Promise<GatewayCustomer> {
  const created = value(await createAccount(ctx, { email, name: 'Fleet GmbH' }));
  await givePassword(ctx, email);
  return { ...(await organizationOf(ctx, created.ownerToken, name)), email };
}

/** A member of the customer's account who signs in with a password, administering the organizations given. */
export async function gatewayMember(
  ctx: ServiceContext,
  customer: GatewayCustomer,
  ...administers: string[]
): Promise<string> {
  const email = `member${++made}-${Date.now().toString(36)}@example.com`;
  const member = value(await addMember(ctx, customer.accountId, email));
  await givePassword(ctx, email);
  for (const organizationId of administers)
    value(await addOrganizationAdmin(ctx, customer.owner, organizationId, member.userId));
  return email;
}

/** A key of `quantity` × `sku` bought by the customer's account, as its order delivers it. */
export async function boughtKey(
  ctx: ServiceContext,
  customer: GatewayCustomer,
  sku: string,
  quantity = 1,
): Promise<string> {
  return value(await issueGatewayKey(ctx, customer.owner, { accountId: customer.accountId, sku, quantity }))
    .key;
}

/** The organization's licenses, as the operations list them: what a refused form must leave alone. */
export async function licensesOf(ctx: ServiceContext, customer: GatewayCustomer, organizationId?: string) {
  return value(await listLicenses(ctx, customer.owner, organizationId ?? customer.organizationId));
}
