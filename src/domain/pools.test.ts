import { describe, expect, it } from 'vitest';
import { grantLease, isLive, judgeSequence, type PoolTunnel, tunnelsToDisconnect } from './pools.js';

/** `count` tunnels on a server, connected one second apart from `start`. */
const tunnels = (serverId: string, count: number, start: number): PoolTunnel[] =>
  Array.from({ length: count }, (_, i) => ({
    serverId,
    id: `${serverId}-${i}`,
    connectedAt: start + i * 1000,
  }));

describe('tunnelsToDisconnect', () => {
  it('leaves 99 on A and 1 on B alone against 100 seats (the seeds’ first example)', () => {
    expect(tunnelsToDisconnect([...tunnels('A', 99, 0), ...tunnels('B', 1, 500)], 100, 'newest')).toEqual([]);
  });

  it('disconnects the one tunnel that connected last when 30 on A and 71 on B meet 100 seats', () => {
    // B's tunnels came first; A's 30th tunnel is the last of all.
    const pool = [...tunnels('B', 71, 0), ...tunnels('A', 30, 100_000)];
    expect(tunnelsToDisconnect(pool, 100, 'newest')).toEqual([
      { serverId: 'A', id: 'A-29', connectedAt: 129_000 },
    ]);
    // The same numbers the other way round: the last one is on B.
    const other = [...tunnels('A', 30, 0), ...tunnels('B', 71, 100_000)];
    expect(tunnelsToDisconnect(other, 100, 'newest')).toEqual([
      { serverId: 'B', id: 'B-70', connectedAt: 170_000 },
    ]);
  });

  it('disconnects exactly the excess, newest first or oldest first', () => {
    const pool = [...tunnels('A', 5, 0), ...tunnels('B', 5, 500)];
    expect(tunnelsToDisconnect(pool, 7, 'newest').map((t) => t.id)).toEqual(['B-4', 'A-4', 'B-3']);
    expect(tunnelsToDisconnect(pool, 7, 'oldest').map((t) => t.id)).toEqual(['A-0', 'B-0', 'A-1']);
  });

  it('chooses the same tunnels whatever order the reports came in, ties included', () => {
    const pool = [
      { serverId: 'B', id: 't1', connectedAt: 10 },
      { serverId: 'A', id: 't2', connectedAt: 10 },
      { serverId: 'A', id: 't1', connectedAt: 10 },
    ];
    const expected = [{ serverId: 'A', id: 't1', connectedAt: 10 }];
    expect(tunnelsToDisconnect(pool, 2, 'newest')).toEqual(expected);
    expect(tunnelsToDisconnect([...pool].reverse(), 2, 'newest')).toEqual(expected);
  });
});

describe('grantLease', () => {
  it('grants what is asked while it fits, and only what is left when it does not', () => {
    expect(grantLease({ seats: 100, leasedByOthers: 40 }, 20)).toBe(20);
    expect(grantLease({ seats: 100, leasedByOthers: 90 }, 20)).toBe(10);
    expect(grantLease({ seats: 100, leasedByOthers: 100 }, 5)).toBe(0);
  });

  it('never goes negative, even when others hold more than the pool (after the pool shrank)', () => {
    expect(grantLease({ seats: 10, leasedByOthers: 15 }, 5)).toBe(0);
    expect(grantLease({ seats: 10, leasedByOthers: 0 }, -3)).toBe(0);
  });
});

describe('isLive', () => {
  it('drops a member after three missed intervals', () => {
    expect(isLive(0, 89_999, 30_000)).toBe(true);
    expect(isLive(0, 90_000, 30_000)).toBe(false);
    expect(isLive(10_000, 99_999, 30_000)).toBe(true);
  });
});

describe('judgeSequence', () => {
  const T = 1_800_000_000_000;

  it('applies a higher sequence up to the clock it was sent at, and the very next one beyond it', () => {
    expect(judgeSequence(5, T, T)).toBe('apply');
    expect(judgeSequence(T, T + 1, T - 60_000)).toBe('apply');
  });

  it('calls a sequence past the sending clock that skips ahead of the stored one ahead', () => {
    expect(judgeSequence(T, Number.MAX_SAFE_INTEGER, T + 1000)).toBe('ahead');
    expect(judgeSequence(5, T + 1, T)).toBe('ahead');
  });

  it('tells a repeated sequence from an older one', () => {
    expect(judgeSequence(T, T, T)).toBe('repeat');
    expect(judgeSequence(T, T - 1, T)).toBe('old');
  });
});
