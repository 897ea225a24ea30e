import { describe, expect, it } from 'vitest';
import { Admission } from './admission.js';

const T0 = new Date('2026-11-23T12:00:00.000Z');
const LIMIT = {
  admitted: false,
  code: 'license_limit_exceeded',
  message: 'Licensed amount of concurrent connections exceeded',
};

/** An admission whose capacity and clock the test moves by hand. */
function setup(initialCapacity: number) {
  const state = { capacity: initialCapacity, now: T0 };
  const admission = new Admission(
    () => state.capacity,
    () => state.now,
  );
  return { state, admission };
}

describe('Admission', () => {
  it("follows the seeds' example: ten admitted, the 11th denied, one released, the next admitted", () => {
    const { admission } = setup(10);
    for (let i = 1; i <= 10; i++) {
      const outcome = admission.admit({ id: `t${i}`, user: `user${i}` });
      expect(outcome.admitted, `tunnel ${i}`).toBe(true);
    }
    expect(admission.connected).toBe(10);

    expect(admission.admit({ id: 't11', user: 'user11' })).toEqual(LIMIT);
    expect(admission.connected).toBe(10);
    expect(admission.tunnels().map((t) => t.id)).not.toContain('t11');

    expect(admission.release('t3')).toBe(true);
    expect(admission.connected).toBe(9);

    const next = admission.admit({ id: 't11', user: 'user11' });
    expect(next.admitted).toBe(true);
    expect(admission.connected).toBe(10);
    expect(admission.admit({ id: 't12' })).toEqual(LIMIT);
  });

  it('records the tunnel with the time it connected', () => {
    const { state, admission } = setup(2);
    const outcome = admission.admit({ id: 'a', user: 'alice', address: '10.8.0.2' });
    expect(outcome).toEqual({
      admitted: true,
      tunnel: { id: 'a', user: 'alice', address: '10.8.0.2', connectedAt: T0 },
    });
    state.now = new Date('2026-11-23T12:05:00.000Z');
    admission.admit({ id: 'b' });
    expect(admission.tunnels()).toEqual([
      { id: 'a', user: 'alice', address: '10.8.0.2', connectedAt: T0 },
      { id: 'b', connectedAt: new Date('2026-11-23T12:05:00.000Z') },
    ]);
  });

  it('holds one seat for a tunnel id admitted twice, keeping its first connection time', () => {
    const { state, admission } = setup(2);
    const first = admission.admit({ id: 'same', user: 'alice' });
    state.now = new Date('2026-11-23T13:00:00.000Z');
    const second = admission.admit({ id: 'same', user: 'alice' });
    expect(admission.connected).toBe(1);
    expect(second).toEqual(first);
    if (second.admitted) expect(second.tunnel.connectedAt).toEqual(T0);
    expect(admission.admit({ id: 'other' }).admitted).toBe(true);
    expect(admission.connected).toBe(2);
  });

  it('re-admits a tunnel already holding a seat even when the capacity is full', () => {
    const { admission } = setup(1);
    expect(admission.admit({ id: 'only' }).admitted).toBe(true);
    expect(admission.admit({ id: 'only' }).admitted).toBe(true);
    expect(admission.admit({ id: 'second' })).toEqual(LIMIT);
    expect(admission.connected).toBe(1);
  });

  it('returns false when releasing an unknown tunnel, and true only once for a known one', () => {
    const { admission } = setup(2);
    expect(admission.release('never-seen')).toBe(false);
    admission.admit({ id: 'x' });
    expect(admission.release('x')).toBe(true);
    expect(admission.release('x')).toBe(false);
    expect(admission.connected).toBe(0);
  });

  it('counts tunnels, not users: one user on four devices holds four seats', () => {
    const { admission } = setup(5);
    for (const device of ['laptop', 'phone', 'tablet', 'desktop']) {
      expect(admission.admit({ id: `alice-${device}`, user: 'alice' }).admitted).toBe(true);
    }
    expect(admission.connected).toBe(4);
    expect(admission.tunnels().every((t) => t.user === 'alice')).toBe(true);
    expect(admission.admit({ id: 'bob-laptop', user: 'bob' }).admitted).toBe(true);
    expect(admission.admit({ id: 'alice-watch', user: 'alice' })).toEqual(LIMIT);
  });

  it('drops no one when the capacity shrinks below the tunnels connected, but admits no one new', () => {
    const { state, admission } = setup(10);
    for (let i = 0; i < 8; i++) admission.admit({ id: `t${i}` });
    state.capacity = 2; // a key ended: back to the built-in seats
    expect(admission.connected).toBe(8);
    expect(admission.tunnels()).toHaveLength(8);
    expect(admission.admit({ id: 'new' })).toEqual(LIMIT);
    // An existing tunnel reconnecting keeps its seat.
    expect(admission.admit({ id: 't0' }).admitted).toBe(true);

    // Releasing down to the new capacity still admits no one; below it does.
    for (let i = 0; i < 6; i++) expect(admission.release(`t${i}`)).toBe(true);
    expect(admission.connected).toBe(2);
    expect(admission.admit({ id: 'new' })).toEqual(LIMIT);
    expect(admission.release('t6')).toBe(true);
    expect(admission.admit({ id: 'new' }).admitted).toBe(true);
  });

  it('reads the capacity on every admission, so a grown capacity admits again', () => {
    const { state, admission } = setup(1);
    admission.admit({ id: 'a' });
    expect(admission.admit({ id: 'b' })).toEqual(LIMIT);
    state.capacity = 3;
    expect(admission.admit({ id: 'b' }).admitted).toBe(true);
    expect(admission.admit({ id: 'c' }).admitted).toBe(true);
    expect(admission.admit({ id: 'd' })).toEqual(LIMIT);
  });

  it('admits no one with a capacity of zero', () => {
    const { admission } = setup(0);
    expect(admission.admit({ id: 'a' })).toEqual(LIMIT);
    expect(admission.connected).toBe(0);
  });

  it('returns a snapshot from tunnels(), not its internal state', () => {
    const { admission } = setup(2);
    admission.admit({ id: 'a' });
    const snapshot = admission.tunnels();
    snapshot.pop();
    expect(admission.connected).toBe(1);
    expect(admission.tunnels()).toHaveLength(1);
  });
});
