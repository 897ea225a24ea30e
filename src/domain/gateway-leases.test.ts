import { describe, expect, it } from 'vitest';
import {
  GATEWAY_LEASE_TTL_MS,
  GATEWAY_REFRESH_MS,
  LEASE_BLOCK,
  type LeaseCandidate,
  planLeases,
  sharedNeed,
} from './gateway-leases.js';
import type { SharedLicensePool } from './gateway-sharing.js';

const pool = (
  licenseId: string,
  seats: number,
  members = ['dev_a', 'dev_b', 'dev_c'],
): SharedLicensePool => ({
  licenseId,
  seats,
  mode: 'lease',
  members,
});

const candidate = (
  licenseId: string,
  seats: number,
  leases: Record<string, number> = {},
  extra: Partial<LeaseCandidate> = {},
): LeaseCandidate => ({
  pool: pool(licenseId, seats),
  leases: new Map(Object.entries(leases)),
  active: true,
  ...extra,
});

describe('what a gateway needs of its shared pools', () => {
  it('is its tunnels and a block ahead, beyond what it has alone', () => {
    expect(sharedNeed({ connected: 40 }, 2)).toBe(40 + LEASE_BLOCK - 2);
    expect(sharedNeed({ connected: 40 }, 32)).toBe(40 + LEASE_BLOCK - 32);
  });

  it('is what it says it wants, when it says so, even below its tunnels', () => {
    expect(sharedNeed({ connected: 40, wanted: 100 }, 2)).toBe(98);
    expect(sharedNeed({ connected: 40, wanted: 10 }, 2)).toBe(8);
    expect(sharedNeed({ connected: 0, wanted: 0 }, 2)).toBe(0);
  });

  it('is nothing when its own seats are enough', () => {
    expect(sharedNeed({ connected: 3 }, 32)).toBe(0);
    expect(sharedNeed({ connected: 0, wanted: 32 }, 32)).toBe(0);
  });

  it('renews leases for three refreshes, so one missed answer costs nothing', () => {
    expect(GATEWAY_LEASE_TTL_MS).toBe(3 * GATEWAY_REFRESH_MS);
  });
});

describe('how the need splits over the shared licenses', () => {
  it('takes it from the first license while it has seats free, the rest from the next', () => {
    const plan = planLeases(200, [candidate('lic_1', 150), candidate('lic_2', 150)], 'dev_a');
    expect([...plan]).toEqual([
      ['lic_1', 150],
      ['lic_2', 50],
    ]);
  });

  it('leaves out what the other members hold, and gives 0 of a license it needs nothing of', () => {
    const plan = planLeases(
      100,
      [
        candidate('lic_1', 150, { dev_b: 100 }),
        candidate('lic_2', 150, { dev_c: 120 }),
        candidate('lic_3', 150),
      ],
      'dev_a',
    );
    expect([...plan]).toEqual([
      ['lic_1', 50],
      ['lic_2', 30],
      ['lic_3', 20],
    ]);
    expect([...planLeases(10, [candidate('lic_1', 150), candidate('lic_2', 150)], 'dev_a')]).toEqual([
      ['lic_1', 10],
      ['lic_2', 0],
    ]);
  });

  it('never lets the members together hold more than the license’s users', () => {
    const full = candidate('lic_1', 150, { dev_b: 100, dev_c: 50 });
    expect(planLeases(100, [full], 'dev_a').get('lic_1')).toBe(0);
    // Its own lease is replaced, not added to.
    expect(planLeases(100, [candidate('lic_1', 150, { dev_a: 40, dev_b: 100 })], 'dev_a').get('lic_1')).toBe(
      50,
    );
  });

  it('releases everything when it needs nothing, and takes nothing of a license out of its term', () => {
    expect(planLeases(0, [candidate('lic_1', 150, { dev_a: 100 })], 'dev_a').get('lic_1')).toBe(0);
    const plan = planLeases(
      100,
      [candidate('lic_1', 150, {}, { active: false }), candidate('lic_2', 150)],
      'dev_a',
    );
    expect([...plan]).toEqual([
      ['lic_1', 0],
      ['lic_2', 100],
    ]);
  });

  it('gives nothing to a gateway outside the pool', () => {
    const outside = candidate('lic_1', 150, {}, { pool: pool('lic_1', 150, ['dev_b', 'dev_c']) });
    expect(planLeases(100, [outside], 'dev_a').get('lic_1')).toBe(0);
  });
});
