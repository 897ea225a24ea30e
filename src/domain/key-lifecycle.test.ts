import { describe, expect, it } from 'vitest';
import {
  checkFailover,
  checkRefund,
  checkRenewal,
  checkReplacement,
  checkSplit,
  checkTransferAuthority,
  type KeyFacts,
  renewedTerm,
} from './key-lifecycle.js';
import { termFromPurchase } from './terms.js';

const bought = new Date('2026-03-10T09:00:00.000Z');
const key = (overrides: Partial<KeyFacts> = {}): KeyFacts => ({
  seats: 10,
  purchasedAt: bought,
  term: termFromPurchase(bought, 1),
  termYears: 1,
  activated: false,
  ended: false,
  failover: false,
  ...overrides,
});
const day = (iso: string) => new Date(`${iso}T12:00:00.000Z`);

describe('renewing a key', () => {
  it('in advance: the new years start the day after the current expiration date', () => {
    const renewed = renewedTerm(key(), 1, day('2026-12-01'));
    expect(renewed.term.starts).toEqual(bought);
    expect(renewed.term.ends.toISOString()).toBe('2028-03-10T09:00:00.000Z');
    expect(renewed.termYears).toBe(2);
    expect(renewedTerm(key(), 3, day('2027-03-09')).term.ends.toISOString()).toBe('2030-03-10T09:00:00.000Z');
  });

  it('once expired: the new term starts on the renewal date, not back-dated', () => {
    const now = day('2027-06-01');
    const renewed = renewedTerm(key(), 2, now);
    expect(renewed.term).toEqual({ starts: now, ends: new Date('2029-06-01T12:00:00.000Z') });
    expect(renewed.termYears).toBe(2);
  });

  it('counts the last instant of a term as ended, so a renewal at that instant starts then', () => {
    const renewed = renewedTerm(key(), 1, key().term.ends);
    expect(renewed.term.starts).toEqual(key().term.ends);
  });

  it('keeps leap days stable across renewals: years are counted from the term’s start', () => {
    const leap = new Date('2028-02-29T00:00:00.000Z');
    const facts = { term: termFromPurchase(leap, 1), termYears: 1 };
    expect(facts.term.ends.toISOString()).toBe('2029-02-28T00:00:00.000Z');
    const twice = renewedTerm(renewedTerm(facts, 1, leap), 2, leap);
    expect(twice.term.ends.toISOString()).toBe('2032-02-29T00:00:00.000Z');
  });

  it('refuses 0, fractions and more than 10 years, and an ended key', () => {
    for (const years of [0, 1.5, 11, -1]) expect(checkRenewal(key(), years)).toMatchObject({ ok: false });
    expect(checkRenewal(key({ ended: true }), 1)).toMatchObject({
      ok: false,
      error: { code: 'license_revoked' },
    });
    expect(checkRenewal(key(), 5)).toEqual({ ok: true, value: undefined });
  });

  it('refuses a failover key alone: it follows its original', () => {
    expect(checkRenewal(key({ failover: true }), 1)).toMatchObject({
      ok: false,
      error: { code: 'failover_key_mismatch', field: 'key' },
    });
  });
});

describe('refunding a key', () => {
  it('is allowed for a key never activated, within 30 days of its purchase', () => {
    expect(checkRefund(key(), day('2026-04-08'))).toEqual({ ok: true, value: undefined });
    expect(checkRefund(key(), new Date('2026-04-09T08:59:59.999Z')).ok).toBe(true);
  });

  it('is refused for an activated key, after 30 days, and for an ended key, saying why', () => {
    expect(checkRefund(key({ activated: true }), day('2026-03-11'))).toMatchObject({
      ok: false,
      error: { code: 'license_activated', detail: expect.stringMatching(/already activated/) },
    });
    expect(checkRefund(key(), new Date('2026-04-09T09:00:00.000Z'))).toMatchObject({
      ok: false,
      error: { code: 'refund_period_over', detail: expect.stringMatching(/within 30 days.*2026-03-10/) },
    });
    expect(checkRefund(key({ ended: true }), day('2026-03-11'))).toMatchObject({
      ok: false,
      error: { code: 'license_revoked' },
    });
  });
});

describe('splitting a key', () => {
  it('needs parts that add up to the key’s connections', () => {
    expect(checkSplit(key(), [5, 5])).toEqual({ ok: true, value: undefined });
    expect(checkSplit(key(), [2, 3, 5])).toEqual({ ok: true, value: undefined });
    expect(checkSplit(key(), [5, 4])).toMatchObject({
      ok: false,
      error: { detail: expect.stringMatching(/add up to 9/) },
    });
    for (const parts of [[10], [], [0, 10], [2.5, 7.5], [11, -1]])
      expect(checkSplit(key(), parts)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('is refused for an activated key and an ended one', () => {
    expect(checkSplit(key({ activated: true }), [5, 5])).toMatchObject({
      ok: false,
      error: { code: 'license_activated', detail: expect.stringMatching(/cannot be split/) },
    });
    expect(checkSplit(key({ ended: true }), [5, 5])).toMatchObject({
      ok: false,
      error: { code: 'license_revoked' },
    });
  });
});

describe('the license replacement program', () => {
  it('replaces a key within its support term, and refuses after it, saying a new key must be bought', () => {
    expect(checkReplacement(key({ activated: true }), day('2027-03-09'))).toEqual({
      ok: true,
      value: undefined,
    });
    expect(checkReplacement(key({ activated: true }), key().term.ends)).toMatchObject({
      ok: false,
      error: {
        code: 'support_term_over',
        detail: expect.stringMatching(/ended on 2027-03-10.*new key must be bought/),
      },
    });
    expect(checkReplacement(key({ ended: true }), day('2026-05-01'))).toMatchObject({
      ok: false,
      error: { code: 'license_revoked' },
    });
  });
});

describe('failover keys', () => {
  it('are given for an ordinary key, never for a failover key or an ended one', () => {
    expect(checkFailover(key())).toEqual({ ok: true, value: undefined });
    expect(checkFailover(key({ failover: true }))).toMatchObject({
      ok: false,
      error: { code: 'failover_key_mismatch' },
    });
    expect(checkFailover(key({ ended: true }))).toMatchObject({
      ok: false,
      error: { code: 'license_revoked' },
    });
  });
});

describe('transfers to another account', () => {
  const request = (requesterEmail: string, citedOrder?: string) => ({
    ownerEmail: 'it@old-corp.example',
    requesterEmail,
    citedOrder,
    keyOrders: ['SO-7K2MQX9D', 'SO-7K2MQX9D'],
  });

  it('are asked by the registered admin email or one of its domain (an acquired company)', () => {
    expect(checkTransferAuthority(request('IT@old-corp.example')).ok).toBe(true);
    expect(checkTransferAuthority(request('cfo@Old-Corp.example')).ok).toBe(true);
  });

  it('do not count a shared public mail domain as one company', () => {
    const shared = { ...request('someone@gmail.com'), ownerEmail: 'owner@gmail.com' };
    expect(checkTransferAuthority(shared).ok).toBe(false);
    expect(checkTransferAuthority({ ...shared, requesterEmail: 'Owner@Gmail.com' }).ok).toBe(true);
  });

  it('from anyone else, need the order number of those keys, and say what is missing', () => {
    expect(checkTransferAuthority(request('buyer@new-corp.example'))).toMatchObject({
      ok: false,
      error: {
        code: 'transfer_not_authorized',
        field: 'requesterEmail',
        detail: expect.stringMatching(/cite the order number/),
      },
    });
    expect(checkTransferAuthority(request('buyer@new-corp.example', 'so-7k2mqx9d')).ok).toBe(true);
    expect(checkTransferAuthority(request('buyer@new-corp.example', 'SO-00000000'))).toMatchObject({
      ok: false,
      error: { field: 'orderNumber', detail: expect.stringMatching(/not the order of these keys/) },
    });
    expect(
      checkTransferAuthority({
        ...request('buyer@new-corp.example', 'SO-7K2MQX9D'),
        keyOrders: ['SO-7K2MQX9D', 'SO-OTHER000'],
      }).ok,
    ).toBe(false);
  });
});
