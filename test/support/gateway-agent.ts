import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach } from 'vitest';
import type { GatewayAgent } from '../../src/agent/gateway/gateway-agent.js';
import type { VendorKey } from '../../src/agent/installation.js';
import { keyIdOf } from '../../src/domain/certificate.js';
import type { GatewayStatementPayload, StatementLicense } from '../../src/domain/gateway-statement.js';

/**
 * The gateway agent's tests, on a held statement and against a service played in the test: one
 * enrolled device, its vendor key, and statements of licenses as the service would sign them.
 */

/** A vendor key pair made for the test: statements signed with it, its public half installed. */
export function vendor(): { privateKey: KeyObject; key: VendorKey; kid: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = keyIdOf(publicKey);
  return {
    privateKey,
    kid,
    key: { kid, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() },
  };
}

export const DEVICE = 'dev_gateway1';
export const ORG = 'org_acme';
export const START = '2026-11-23T12:00:00.000Z';
export const at = (iso: string) => new Date(iso).toISOString();

export const license = (
  overrides: Partial<StatementLicense> & Pick<StatementLicense, 'licenseId'>,
): StatementLicense => ({
  keyHint: 'ABCD',
  sku: 'SPC-1YR-LIC',
  kind: 'secupoint',
  users: 20,
  starts: at('2026-11-01T00:00:00Z'),
  ends: at('2027-11-01T00:00:00Z'),
  lease: null,
  ...overrides,
});

/** SPC-1YR-LIC (20 users) and SPC-3YR-LIC (10 users) bound together: 2 + 20 + 10 = 32. */
export const TWO_LICENSES: StatementLicense[] = [
  license({ licenseId: 'gwl_one_year' }),
  license({ licenseId: 'gwl_three_years', sku: 'SPC-3YR-LIC', users: 10, ends: at('2029-11-01T00:00:00Z') }),
];

export const payloadOf = (
  kid: string,
  overrides: Partial<GatewayStatementPayload> = {},
): GatewayStatementPayload => ({
  format: 'seatkeeper-gateway-statement/1',
  kid,
  deviceId: DEVICE,
  organizationId: ORG,
  issuedAt: at(START),
  validUntil: at('2026-11-30T12:00:00Z'),
  licenses: TWO_LICENSES,
  ...overrides,
});

export const admitMany = (agent: GatewayAgent, count: number, prefix = 't') => {
  let admitted = 0;
  for (let i = 0; i < count; i++) if (agent.admit({ id: `${prefix}${i}` }).admitted) admitted++;
  return admitted;
};

/** The state directories a describe block's tests make, each removed after its test. */
export function stateDirs(): { remove: () => void }[] {
  const dirs: { remove: () => void }[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) dir.remove();
  });
  return dirs;
}
