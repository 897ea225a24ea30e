import { describe, expect, it } from 'vitest';
import { PoolMembership, type StoredSubscription } from './pool-membership.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-23T12:00:00.000Z');

const stored = (overrides: Partial<StoredSubscription> = {}): StoredSubscription => ({
  key: 'sks_x',
  subscriptionId: 'sub_x',
  mode: 'lease',
  connections: 100,
  heartbeatIntervalMs: 30_000,
  graceMs: 48 * HOUR,
  periodEnds: '2027-11-23T12:00:00.000Z',
  joinedAt: T0,
  sequence: 0,
  answer: null,
  ...overrides,
});

const answer = (overrides: Record<string, unknown> = {}) => ({
  used: 40,
  disconnect: [],
  lease: 20,
  leaseExpiresAt: new Date(T0 + 90_000).toISOString(),
  periodEnds: '2027-11-23T12:00:00.000Z',
  answeredAt: new Date(T0).toISOString(),
  ...overrides,
});

describe('PoolMembership in lease mode', () => {
  it('uses no more than it asks for while a heartbeat is on its way, and the answer after', () => {
    const pool = new PoolMembership(stored());
    pool.apply(answer({ lease: 20 }), 0, T0, T0);
    expect(pool.seats(T0 + 1)).toBe(20);
    const { wanted } = pool.prepare(T0 + 1000, 3);
    expect(wanted).toBe(8);
    expect(pool.seats(T0 + 1000)).toBe(8);
    pool.apply(answer({ lease: 8 }), 3, T0 + 1000, T0 + 1500);
    expect(pool.seats(T0 + 1500)).toBe(8);
  });

  it('keeps the lease it held when the heartbeat fails', () => {
    const pool = new PoolMembership(stored());
    pool.apply(answer({ lease: 20 }), 0, T0, T0);
    pool.prepare(T0 + 1000, 3);
    pool.abandon();
    expect(pool.seats(T0 + 1000)).toBe(20);
  });

  it('counts the lease from when the heartbeat was sent, so it never outlives the service’s count', () => {
    const pool = new PoolMembership(stored());
    // Sent at T0, answered by the service at T0 + 2 s, arrived 14 s after sending.
    pool.apply(
      answer({
        answeredAt: new Date(T0 + 2000).toISOString(),
        leaseExpiresAt: new Date(T0 + 92_000).toISOString(),
      }),
      0,
      T0,
      T0 + 14_000,
    );
    expect(pool.seats(T0 + 89_999)).toBe(20);
    expect(pool.seats(T0 + 90_000)).toBeUndefined();
  });
});

describe('PoolMembership in reconcile mode', () => {
  it('admits the whole pool before a first answer only for the grace period after joining', () => {
    const pool = new PoolMembership(stored({ mode: 'reconcile' }));
    expect(pool.seats(T0 + 47 * HOUR)).toBe(100);
    expect(pool.seats(T0 + 48 * HOUR)).toBeUndefined();
    expect(pool.changesAt(T0)).toBe(T0 + 48 * HOUR);
  });

  it('follows the period end the service reports, so a renewal keeps it counting', () => {
    const pool = new PoolMembership(stored({ mode: 'reconcile', periodEnds: '2026-12-23T12:00:00.000Z' }));
    const late = Date.parse('2026-12-23T12:00:00.000Z') - 1000;
    pool.apply(answer({ used: 30, periodEnds: '2027-01-23T12:00:00.000Z' }), 10, late, late);
    expect(pool.seats(late + 2000)).toBe(80);
  });
});
