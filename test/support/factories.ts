import { randomBytes } from 'node:crypto';
import type { VendorKey } from '../../src/agent/installation.js';
import type { MachineProperties } from '../../src/domain/fingerprint.js';
import { termFromPurchase } from '../../src/domain/terms.js';
import { createAccount } from '../../src/service/accounts/operations.js';
import type { ServiceContext } from '../../src/service/context.js';
import { issueFailoverKey } from '../../src/service/licenses/lifecycle.js';
import { issueLicense, type LicenseView, newKeyRow } from '../../src/service/licenses/operations.js';
import { type CreateSubscriptionInput, createSubscription } from '../../src/service/pools/operations.js';

/** A distinct made-up machine per seed. */
export const machine = (
  seed: string | number,
  overrides: Partial<MachineProperties> = {},
): MachineProperties => ({
  machineId: `machine-${seed}`,
  hostname: `vpn-${seed}.example.net`,
  macs: [`02:00:00:00:${String(seed).padStart(2, '0').slice(-2)}:01`],
  cpu: 'Test CPU @ 2.0GHz',
  os: 'Linux x64 debian 12',
  ...overrides,
});

/** The vendor key an agent of this service is installed with. */
export const vendorKeyOf = (ctx: ServiceContext): VendorKey => ({
  kid: ctx.vendor.kid,
  publicKeyPem: ctx.vendor.publicKeyPem,
});

export const nonce = (): string => randomBytes(12).toString('base64url');

export async function accountWithKey(
  ctx: ServiceContext,
  options: {
    connections?: number;
    years?: number;
    purchasedAt?: Date;
    email?: string;
    legacy?: boolean;
  } = {},
): Promise<{ accountId: string; ownerToken: string; license: LicenseView }> {
  const email = options.email ?? `owner-${randomBytes(4).toString('hex')}@example.com`;
  const created = await createAccount(ctx, { email });
  if (!created.ok) throw new Error(created.error.detail);
  const license = await issueLicense(ctx, {
    accountId: created.value.account.id,
    connections: options.connections ?? 10,
    years: options.years,
    purchasedAt: options.purchasedAt,
    legacy: options.legacy,
  });
  if (!license.ok) throw new Error(license.error.detail);
  return {
    accountId: created.value.account.id,
    ownerToken: created.value.ownerToken,
    license: license.value,
  };
}

/** A subscription of an account of its own; returns its key. */
export async function subscriptionKey(
  ctx: ServiceContext,
  input: Partial<CreateSubscriptionInput> = {},
): Promise<string> {
  const { accountId } = await accountWithKey(ctx);
  const created = await createSubscription(ctx, { accountId, connections: 10, period: 'yearly', ...input });
  if (!created.ok) throw new Error(created.error.detail);
  return created.value.key;
}

/** The failover key of a key, as staff would issue it. */
export async function failoverKeyOf(ctx: ServiceContext, licenseId: string): Promise<LicenseView> {
  const failover = await issueFailoverKey(ctx, { licenseId, actor: 'usr_test' });
  if (!failover.ok) throw new Error(failover.error.detail);
  return failover.value;
}

/** Many one-year keys straight into the store, a chunk per statement: a vendor's scale, quickly. */
export async function insertKeys(
  ctx: ServiceContext,
  count: number,
  keyOf: (i: number) => { accountId: string; purchasedAt: Date },
): Promise<void> {
  const now = ctx.clock.now();
  const rows = Array.from({ length: count }, (_, i) => {
    const { accountId, purchasedAt } = keyOf(i);
    const term = termFromPurchase(purchasedAt, 1);
    return newKeyRow(ctx, now, { accountId, seats: 1, termYears: 1, purchasedAt, term }).row;
  });
  for (let at = 0; at < rows.length; at += 500)
    await ctx.store.db
      .insertInto('licenses')
      .values(rows.slice(at, at + 500))
      .execute();
}
