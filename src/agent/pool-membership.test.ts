import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type PoolGrantPayload, signPoolGrant } from '../domain/pool-grant.js';
import { type PoolAnswerFromService, PoolMembership, type StoredSubscription } from './pool-membership.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-23T12:00:00.000Z');
const { privateKey } = generateKeyPairSync('ed25519');

const grantOf = (overrides: Partial<PoolGrantPayload> = {}): PoolGrantPayload => ({
  format: 'seatkeeper-pool-grant/1',
  kid: 'kid_test',
  subscriptionId: 'sub_x',
  serverId: 'srv_x',
  mode: 'lease',
  connections: 100,
  used: 40,
  reported: 0,
  lease: 20,
  answeredAt: new Date(T0).toISOString(),
  validUntil: new Date(T0 + 90_000).toISOString(),
  periodEnds: '2027-11-23T12:00:00.000Z',
  ...overrides,
});

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
  grant: null,
  ...overrides,
});

/** A service answer and its grant, as the agent has them once it verified the signature. */
function answer(overrides: Partial<PoolGrantPayload> = {}): [PoolAnswerFromService, PoolGrantPayload] {
  const grant = grantOf(overrides);
  const leaseExpiresAt = grant.mode === 'lease' ? grant.validUntil : null;
  return [
    {
      used: grant.used,
      disconnect: [],
      lease: grant.lease,
      leaseExpiresAt,
      periodEnds: grant.periodEnds,
      answeredAt: grant.answeredAt,
      grant: signPoolGrant(grant, privateKey),
    },
    grant,
  ];
}

/** A lease-mode membership just joined: the join grant gives no seats yet. */
const joinedLease = () => new PoolMembership(stored(), grantOf({ used: 0, lease: 0 }));

describe('PoolMembership in lease mode', () => {
  it('uses no more than it asks for while a heartbeat is on its way, and the answer after', () => {
    const pool = joinedLease();
    pool.apply(...answer({ lease: 20 }), T0, T0);
    expect(pool.seats(T0 + 1)).toBe(20);
    const { wanted } = pool.prepare(T0 + 1000, 3);
    expect(wanted).toBe(8);
    expect(pool.seats(T0 + 1000)).toBe(8);
    pool.apply(
      ...answer({ lease: 8, validUntil: new Date(T0 + 91_000).toISOString() }),
      T0 + 1000,
      T0 + 1500,
    );
    expect(pool.seats(T0 + 1500)).toBe(8);
  });

  it('keeps the lease it held when the heartbeat fails', () => {
    const pool = joinedLease();
    pool.apply(...answer({ lease: 20 }), T0, T0);
    pool.prepare(T0 + 1000, 3);
    pool.abandon();
    expect(pool.seats(T0 + 1000)).toBe(20);
  });

  it('counts the lease from when the heartbeat was sent, so it never outlives the service’s count', () => {
    const pool = joinedLease();
    // Sent at T0, answered by the service at T0 + 2 s, arrived 14 s after sending.
    pool.apply(
      ...answer({
        answeredAt: new Date(T0 + 2000).toISOString(),
        validUntil: new Date(T0 + 92_000).toISOString(),
      }),
      T0,
      T0 + 14_000,
    );
    expect(pool.seats(T0 + 89_999)).toBe(20);
    expect(pool.seats(T0 + 90_000)).toBeUndefined();
  });

  it('never counts past the signed lease, whatever the local clock bounds say', () => {
    const pool = joinedLease();
    pool.apply(...answer({ lease: 20 }), T0, T0);
    // The state file edited to stretch the lease: the grant still ends it.
    pool.stored.answer = { leaseUntil: T0 + 365 * 24 * HOUR, receivedAt: T0 };
    expect(pool.seats(T0 + 89_999)).toBe(20);
    expect(pool.seats(T0 + 90_000)).toBeUndefined();
  });

  it('does not count at all without a verified grant', () => {
    expect(new PoolMembership(stored(), undefined).seats(T0)).toBeUndefined();
  });
});

describe('PoolMembership in reconcile mode', () => {
  const joinedReconcile = () =>
    new PoolMembership(
      stored({ mode: 'reconcile' }),
      grantOf({ mode: 'reconcile', used: 0, lease: 0, validUntil: new Date(T0 + 48 * HOUR).toISOString() }),
    );

  it('admits the whole pool before a first answer only for the grace period after joining', () => {
    const pool = joinedReconcile();
    expect(pool.seats(T0 + 47 * HOUR)).toBe(100);
    expect(pool.seats(T0 + 48 * HOUR)).toBeUndefined();
    expect(pool.changesAt(T0)).toBe(T0 + 48 * HOUR);
  });

  it('follows the period end the service reports, so a renewal keeps it counting', () => {
    const pool = new PoolMembership(
      stored({ mode: 'reconcile', periodEnds: '2026-12-23T12:00:00.000Z' }),
      grantOf({ mode: 'reconcile', periodEnds: '2026-12-23T12:00:00.000Z' }),
    );
    const late = Date.parse('2026-12-23T12:00:00.000Z') - 1000;
    pool.apply(
      ...answer({
        mode: 'reconcile',
        used: 30,
        reported: 10,
        answeredAt: new Date(late).toISOString(),
        validUntil: new Date(late + 48 * HOUR).toISOString(),
        periodEnds: '2027-01-23T12:00:00.000Z',
      }),
      late,
      late,
    );
    expect(pool.seats(late + 2000)).toBe(80);
  });

  it('takes the pool’s figures from the grant, not from the state file', () => {
    const pool = joinedReconcile();
    pool.stored.connections = 10_000;
    pool.stored.graceMs = 1000 * 24 * HOUR;
    expect(pool.seats(T0 + 1)).toBe(100);
    expect(pool.seats(T0 + 48 * HOUR)).toBeUndefined();
  });
});

describe('PoolMembership sequences', () => {
  it('continues above the sequence the service holds, whether its own counter was behind or ahead', () => {
    const behind = new PoolMembership(stored({ sequence: T0 }), undefined);
    behind.continueAfter(T0 + 240_000);
    expect(behind.prepare(T0 + 1000, 0).sequence).toBe(T0 + 240_001);
    const ahead = new PoolMembership(stored({ sequence: T0 + 3_600_000 }), undefined);
    ahead.continueAfter(T0 - 30_000);
    expect(ahead.prepare(T0, 0).sequence).toBe(T0);
  });
});
