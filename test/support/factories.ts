import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VendorKey } from '../../src/agent/installation.js';
import type { License } from '../../src/contract/licenses.js';
import { keyIdOf, signCertificate } from '../../src/domain/certificate.js';
import { fingerprintOf, type MachineProperties } from '../../src/domain/fingerprint.js';
import { newId } from '../../src/domain/ids.js';
import { termFromPurchase } from '../../src/domain/terms.js';
import { createAccount } from '../../src/service/accounts/operations.js';
import { createStaff } from '../../src/service/auth/staff.js';
import type { ServiceContext } from '../../src/service/context.js';
import { insertLicenses } from '../../src/service/licenses/license-repository.js';
import { issueFailoverKey, renewLicenses, replaceLicense } from '../../src/service/licenses/lifecycle.js';
import { issueLicense, newKeyRow } from '../../src/service/licenses/operations.js';
import {
  type CreateSubscriptionInput,
  createSubscription,
} from '../../src/service/subscriptions/lifecycle.js';

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

/**
 * A state directory as an older agent wrote it, edited by a forger: a key of their own pinned in
 * agent.json (`vendorKeys`, where agents once kept the key they trusted on first use) and a
 * certificate it signed for `seats` connections on `properties`' machine.
 */
export function forgedAgentState(
  stateDir: string,
  properties: MachineProperties,
  seats: number,
  now: Date,
): void {
  const forger = generateKeyPairSync('ed25519');
  const kid = keyIdOf(forger.publicKey);
  const serverId = newId('srv', now.getTime());
  const licenseId = newId('lic', now.getTime());
  const certificate = signCertificate(
    {
      format: 'seatkeeper-license-certificate/1',
      kid,
      licenseId,
      keyHint: 'ABCD',
      kind: 'fixed',
      seats,
      starts: '2026-01-01T00:00:00.000Z',
      ends: '2036-01-01T00:00:00.000Z',
      serverId,
      fingerprint: fingerprintOf(properties),
      nonce: 'forged',
      issuedAt: now.toISOString(),
      expiresAt: '2036-01-01T00:00:00.000Z',
    },
    forger.privateKey,
  );
  const publicKeyPem = forger.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  mkdirSync(join(stateDir, 'licenses'), { recursive: true });
  writeFileSync(
    join(stateDir, 'agent.json'),
    JSON.stringify({ serverId, createdAt: now.toISOString(), vendorKeys: [{ kid, publicKeyPem }] }),
  );
  writeFileSync(
    join(stateDir, 'licenses', `${licenseId}.json`),
    JSON.stringify({ licenseId, key: 'ABCD-ABCD-ABCD-ABCD-ABCD', certificate }),
  );
}

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
): Promise<{ accountId: string; ownerToken: string; license: License }> {
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
export async function failoverKeyOf(ctx: ServiceContext, licenseId: string): Promise<License> {
  const failover = await issueFailoverKey(ctx, { licenseId, actor: 'usr_test' });
  if (!failover.ok) throw new Error(failover.error.detail);
  return failover.value;
}

/** A key renewed by staff for `years` more: its new end. */
export async function renewedKey(ctx: ServiceContext, licenseId: string, years = 1): Promise<string> {
  const renewed = await renewLicenses(ctx, { licenseIds: [licenseId], years, actor: 'usr_test' });
  if (!renewed.ok) throw new Error(renewed.error.detail);
  return renewed.value[0]?.ends ?? '';
}

/** A key replaced by staff (the license replacement program): the replacement. */
export async function replacedKey(ctx: ServiceContext, licenseId: string): Promise<License> {
  const replaced = await replaceLicense(ctx, { licenseId, actor: 'usr_test' });
  if (!replaced.ok) throw new Error(replaced.error.detail);
  return replaced.value.replacement;
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
  for (let at = 0; at < rows.length; at += 500) await insertLicenses(ctx.store.db, rows.slice(at, at + 500));
}

/** A vendor-staff user's API token. */
export async function staffToken(ctx: ServiceContext, email = 'staff@vendor.example'): Promise<string> {
  const made = await createStaff(ctx, email);
  if (!made.ok) throw new Error(made.error.detail);
  return made.value.token;
}
