import { afterEach, beforeEach } from 'vitest';
import type { GatewayLicense } from '../../src/contract/gateways.js';
import { createAccount } from '../../src/service/accounts/operations.js';
import type { Principal } from '../../src/service/auth/principal.js';
import type { ServiceContext } from '../../src/service/context.js';
import { registerDevice } from '../../src/service/gateways/devices.js';
import { addKey, issueGatewayKey } from '../../src/service/gateways/keys.js';
import { associateLicense } from '../../src/service/gateways/licenses.js';
import { createOrganization } from '../../src/service/gateways/organizations.js';
import type { Engine } from '../../src/service/store/database.js';
import { ManualClock } from './clock.js';
import { testContext } from './engines.js';
import { value } from './results.js';

const STAFF: Principal = { kind: 'staff', userId: 'operator' };
let serial = 0;

/**
 * An account with organizations, gateways and licenses, built through the console's operations on
 * a fresh store and a test clock: what the gateway tests start from.
 */
export function gatewayFixture(engine: Engine) {
  const fixture = {
    clock: new ManualClock('2026-01-10T09:00:00.000Z'),
    ctx: undefined as unknown as ServiceContext & { cleanup: () => Promise<void> },
    owner: undefined as unknown as Extract<Principal, { kind: 'account' }>,
    staff: STAFF,

    async organization(name = 'Head office'): Promise<string> {
      return value(await createOrganization(fixture.ctx, fixture.owner, { name })).id;
    },

    async device(organizationId: string, name?: string): Promise<string> {
      const n = ++serial;
      const mac = `88:DC:96:00:${String(Math.floor(n / 100) % 100).padStart(2, '0')}:${String(n % 100).padStart(2, '0')}`;
      return value(
        await registerDevice(fixture.ctx, fixture.owner, organizationId, {
          name: name ?? `ESG ${String(n).padStart(4, '0')}`,
          model: 'ESG510',
          serialNumber: `ESG510-${String(n).padStart(6, '0')}`,
          mac,
        }),
      ).id;
    },

    /** Issues a key of `quantity` × `sku` to the account and adds it to the organization. */
    async licenses(organizationId: string, sku: string, quantity = 1): Promise<string[]> {
      const issued = value(
        await issueGatewayKey(fixture.ctx, STAFF, { accountId: fixture.owner.accountId, sku, quantity }),
      );
      return value(await addKey(fixture.ctx, fixture.owner, organizationId, issued.key)).licenseIds;
    },

    /** One license of `sku`, added and associated with the device. */
    async associated(organizationId: string, deviceId: string, sku: string): Promise<GatewayLicense> {
      const [licenseId] = await fixture.licenses(organizationId, sku);
      if (licenseId === undefined) throw new Error('the key held no license');
      return value(await associateLicense(fixture.ctx, fixture.owner, licenseId, deviceId));
    },
  };

  beforeEach(async () => {
    fixture.clock = new ManualClock('2026-01-10T09:00:00.000Z');
    fixture.ctx = await testContext(engine, fixture.clock);
    const created = value(await createAccount(fixture.ctx, { email: `owner${++serial}@example.com` }));
    fixture.owner = { kind: 'account', userId: 'usr_owner', accountId: created.account.id, role: 'owner' };
  });
  afterEach(async () => {
    await fixture.ctx.cleanup();
  });
  return fixture;
}
