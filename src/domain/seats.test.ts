import { describe, expect, it } from 'vitest';
import type { Grant } from './certificate.js';
import { ACCESS_SERVER_POLICY, capacityAt, GATEWAY_POLICY } from './seats.js';

const at = (iso: string): Date => new Date(iso);
const ms = (iso: string): number => Date.parse(iso);

const grant = (overrides: Partial<Grant> = {}): Grant => ({
  licenseId: 'lic_a',
  keyHint: 'AAAA',
  seats: 10,
  starts: at('2026-01-01T00:00:00.000Z'),
  ends: at('2027-01-01T00:00:00.000Z'),
  certificateExpiresAt: at('2026-12-01T00:00:00.000Z'),
  ...overrides,
});

const NOW = at('2026-06-01T12:00:00.000Z');

describe('capacityAt (Access Server policy)', () => {
  it('has the policy 2 built-in seats and no boundary', () => {
    expect(ACCESS_SERVER_POLICY).toEqual({ builtInSeats: 2, builtInAlwaysCounts: false });
  });

  it('gives the 2 built-in seats when there are no grants', () => {
    expect(capacityAt([], NOW)).toEqual({ seats: 2, counting: [], changesAt: Number.POSITIVE_INFINITY });
  });

  it('gives 10, not 12, for one active 10-seat grant: built-in seats stop counting', () => {
    const ten = grant();
    const capacity = capacityAt([ten], NOW);
    expect(capacity.seats).toBe(10);
    expect(capacity.counting).toEqual([ten]);
  });

  it('adds up two active grants (10 + 5 = 15)', () => {
    const ten = grant();
    const five = grant({ licenseId: 'lic_b', seats: 5 });
    const capacity = capacityAt([ten, five], NOW);
    expect(capacity.seats).toBe(15);
    expect(capacity.counting).toEqual([ten, five]);
  });

  it('stops counting a grant exactly at the end of its term, and returns to 2', () => {
    const ends = at('2026-09-01T00:00:00.000Z');
    const g = grant({ ends, certificateExpiresAt: at('2026-12-01T00:00:00.000Z') });
    expect(capacityAt([g], at('2026-08-31T23:59:59.999Z')).seats).toBe(10);
    expect(capacityAt([g], at('2026-08-31T23:59:59.999Z')).changesAt).toBe(ends.getTime());
    const atEnd = capacityAt([g], ends);
    expect(atEnd.seats).toBe(2);
    expect(atEnd.counting).toEqual([]);
    expect(capacityAt([g], at('2026-10-01T00:00:00.000Z')).seats).toBe(2);
  });

  it('stops counting a grant when its certificate expires, even inside the term', () => {
    const expiresAt = at('2026-07-01T00:00:00.000Z');
    const g = grant({ certificateExpiresAt: expiresAt });
    const before = capacityAt([g], at('2026-06-30T23:59:59.999Z'));
    expect(before.seats).toBe(10);
    expect(before.changesAt).toBe(expiresAt.getTime());
    expect(capacityAt([g], expiresAt).seats).toBe(2);
  });

  it('does not count a grant that has not started yet, and changes when it starts', () => {
    const starts = at('2026-07-01T00:00:00.000Z');
    const g = grant({ starts });
    const before = capacityAt([g], NOW);
    expect(before.seats).toBe(2);
    expect(before.counting).toEqual([]);
    expect(before.changesAt).toBe(starts.getTime());
    expect(capacityAt([g], starts).seats).toBe(10);
  });

  it('keeps the other grant counting when one of two ends', () => {
    const ten = grant({ ends: at('2026-07-01T00:00:00.000Z') });
    const five = grant({ licenseId: 'lic_b', seats: 5 });
    const later = capacityAt([ten, five], at('2026-07-01T00:00:00.000Z'));
    expect(later.seats).toBe(5);
    expect(later.counting).toEqual([five]);
  });

  it('reports the nearest future boundary of all grants as changesAt', () => {
    const grants = [
      grant({ certificateExpiresAt: at('2026-11-01T00:00:00.000Z') }),
      grant({ licenseId: 'lic_b', starts: at('2026-08-01T00:00:00.000Z') }),
      grant({ licenseId: 'lic_c', ends: at('2026-06-15T00:00:00.000Z') }),
      // Entirely past: its boundaries are behind us and must not be reported.
      grant({
        licenseId: 'lic_d',
        starts: at('2025-01-01T00:00:00.000Z'),
        ends: at('2025-06-01T00:00:00.000Z'),
      }),
    ];
    const capacity = capacityAt(grants, NOW);
    expect(capacity.seats).toBe(20);
    expect(capacity.changesAt).toBe(ms('2026-06-15T00:00:00.000Z'));
  });

  it('never reports the current instant as changesAt (boundaries strictly in the future)', () => {
    const starts = NOW;
    const capacity = capacityAt([grant({ starts })], NOW);
    expect(capacity.seats).toBe(10);
    expect(capacity.changesAt).toBe(ms('2026-12-01T00:00:00.000Z'));
  });

  it('is consistent: capacity holds until changesAt and can differ from there', () => {
    const grants = [
      grant({ starts: at('2026-03-01T00:00:00.000Z'), certificateExpiresAt: at('2026-07-01T00:00:00.000Z') }),
      grant({ licenseId: 'lic_b', seats: 5, starts: at('2026-06-10T00:00:00.000Z') }),
    ];
    let now = at('2026-01-01T00:00:00.000Z');
    const seen: number[] = [];
    for (let step = 0; step < 10; step++) {
      const capacity = capacityAt(grants, now);
      seen.push(capacity.seats);
      if (capacity.changesAt === Number.POSITIVE_INFINITY) break;
      expect(capacityAt(grants, new Date(capacity.changesAt - 1)).seats).toBe(capacity.seats);
      now = new Date(capacity.changesAt);
    }
    // built-in 2; the 10 starts; the 5 joins; the 10's certificate expires; the 5's certificate expires.
    expect(seen).toEqual([2, 10, 15, 5, 2]);
  });
});

describe('capacityAt (gateway policy: built-in seats always count)', () => {
  const gateway = GATEWAY_POLICY;

  it('adds built-in and purchased seats: 2 + 20 + 10 = 32 (the SecuPoint example)', () => {
    const grants = [grant({ seats: 20 }), grant({ licenseId: 'lic_b', seats: 10 })];
    expect(capacityAt(grants, NOW, gateway).seats).toBe(32);
  });

  it('falls back to the built-in seats alone when nothing counts', () => {
    expect(capacityAt([], NOW, gateway).seats).toBe(2);
    expect(capacityAt([grant({ seats: 20 })], at('2030-01-01T00:00:00.000Z'), gateway).seats).toBe(2);
  });

  it('honours another number of built-in seats', () => {
    expect(
      capacityAt([grant({ seats: 20 })], NOW, { builtInSeats: 5, builtInAlwaysCounts: true }).seats,
    ).toBe(25);
    expect(
      capacityAt([grant({ seats: 20 })], NOW, { builtInSeats: 5, builtInAlwaysCounts: false }).seats,
    ).toBe(20);
    expect(capacityAt([], NOW, { builtInSeats: 0, builtInAlwaysCounts: false }).seats).toBe(0);
  });
});
