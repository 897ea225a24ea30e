import { describe, expect, it } from 'vitest';
import { type KeyStatusFacts, keyStatusReason } from './key-status.js';

const now = new Date('2026-11-30T12:00:00.000Z');
const plain: KeyStatusFacts = { endedReason: null, stopsAt: null, successors: [], failoverOf: null };

describe('why a key has its status', () => {
  it('has nothing to add for a key in use', () => {
    expect(keyStatusReason(plain, now)).toBeNull();
  });

  it('names the keys a split key became, and says a refund as such', () => {
    expect(
      keyStatusReason({ ...plain, endedReason: 'split', stopsAt: now, successors: ['AB12', 'CD34'] }, now),
    ).toBe('split into …AB12, …CD34');
    expect(keyStatusReason({ ...plain, endedReason: 'refunded', stopsAt: now }, now)).toBe('refunded');
  });

  it('names a replaced key’s successor and when it stops, then when it stopped', () => {
    const replaced = {
      ...plain,
      endedReason: 'replaced' as const,
      stopsAt: new Date('2026-12-07T12:00:00.000Z'),
      successors: ['WX9Z'],
    };
    expect(keyStatusReason(replaced, now)).toBe('replaced by …WX9Z, stops at 2026-12-07 12:00 UTC');
    expect(keyStatusReason(replaced, new Date('2026-12-07T12:00:00.000Z'))).toBe(
      'replaced by …WX9Z, stopped at 2026-12-07 12:00 UTC',
    );
  });

  it('marks a failover key with the key it stands in for, and what happened to it with its key', () => {
    expect(keyStatusReason({ ...plain, failoverOf: 'QR56' }, now)).toBe('failover for …QR56');
    expect(
      keyStatusReason({ ...plain, failoverOf: 'QR56', endedReason: 'refunded', stopsAt: now }, now),
    ).toBe('failover for …QR56; refunded');
  });
});
