import { describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY_FLEET, runGatewayFleet, SHARED_USERS } from '../../bench/gateway-fleet.js';
import { ENGINES, freshPostgresSchema } from '../support/engines.js';

/**
 * The gateway fleet on a real service: 3 gateways enrolled, one 150-user license shared by all of
 * them in lease mode, a workload that keeps the pool contended. The license gives what the
 * gateways hold beyond their own 2 built-in seats each: that sum never goes above its users.
 */
describe.each(ENGINES)('three gateways sharing a 150-user license (%s)', { timeout: 180_000 }, (engine) => {
  it('never hold more tunnels beyond their built-in seats than the license has users', async () => {
    const schema = engine === 'postgres' ? await freshPostgresSchema() : undefined;
    const report = await runGatewayFleet({
      ...DEFAULT_GATEWAY_FLEET,
      events: 3000,
      seed: 13,
      databaseUrl: schema?.url,
    }).finally(() => schema?.drop());
    expect(report.gateways).toBe(3);
    // The pool was contended: tunnels were refused, and most of the license was in use at once.
    expect(report.denied).toBeGreaterThan(0);
    expect(report.maxLicensedTunnels).toBeGreaterThan(SHARED_USERS * 0.8);
    expect(report.maxLicensedTunnels).toBeLessThanOrEqual(SHARED_USERS);
    expect(report.overLicense).toBe(0);
    // All tunnels together: the license's users and each gateway's 2 built-in seats, never more.
    expect(report.maxTunnels).toBeLessThanOrEqual(SHARED_USERS + 3 * 2);
    expect(report.overAdmittedEvents).toBe(0);
    // The seats moved between the gateways through the service.
    expect(report.statements).toBeGreaterThan(3);
  });
});
