import { describe, expect, it } from 'vitest';
import { type IdPrefix, isId, newId } from './ids.js';

const PREFIXES: IdPrefix[] = ['acc', 'usr', 'tok', 'lic', 'act', 'srv', 'req'];
const T0 = Date.parse('2026-11-23T12:00:00.000Z');
const bytes = (fill: number): Uint8Array => new Uint8Array(16).fill(fill);

describe('newId', () => {
  it('is the prefix, an underscore and 26 Crockford base32 characters', () => {
    for (const prefix of PREFIXES) {
      const id = newId(prefix, T0);
      expect(id.startsWith(`${prefix}_`)).toBe(true);
      expect(id).toHaveLength(prefix.length + 1 + 26);
      expect(id.slice(4)).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/);
    }
  });

  it('encodes the time in the first 10 characters, most significant first', () => {
    expect(newId('acc', 0, bytes(0))).toBe(`acc_${'0'.repeat(26)}`);
    expect(newId('acc', 1, bytes(0))).toBe(`acc_${'0'.repeat(9)}1${'0'.repeat(16)}`);
    expect(newId('acc', 32, bytes(0))).toBe(`acc_${'0'.repeat(8)}10${'0'.repeat(16)}`);
    expect(newId('acc', 31, bytes(0)).slice(4, 14)).toBe('000000000z');
  });

  it('takes the low five bits of each random byte for the 16-character tail', () => {
    expect(newId('lic', 0, bytes(31)).slice(14)).toBe('z'.repeat(16));
    expect(newId('lic', 0, bytes(32)).slice(14)).toBe('0'.repeat(16));
    const counting = Uint8Array.from({ length: 16 }, (_, i) => i + 16);
    expect(newId('lic', 0, counting).slice(14)).toBe('ghjkmnpqrstvwxyz');
  });

  it('is deterministic for the same time and bytes, and random otherwise', () => {
    expect(newId('srv', T0, bytes(7))).toBe(newId('srv', T0, bytes(7)));
    expect(newId('srv', T0)).not.toBe(newId('srv', T0));
  });

  it('sorts by creation time, whatever the random tail', () => {
    const times = [0, 1, 31, 32, 1000, T0 - 1, T0, T0 + 1, T0 + 86_400_000, 2 ** 47];
    // Earlier ids get the largest tails, later ones the smallest: time must still win.
    const ids = times.map((ms, i) => newId('req', ms, bytes(31 - i)));
    expect([...ids].sort()).toEqual(ids);
    expect([...ids].reverse().sort()).toEqual(ids);
  });

  it('sorts a millisecond apart', () => {
    const earlier = newId('lic', T0, bytes(31));
    const later = newId('lic', T0 + 1, bytes(0));
    expect(earlier < later).toBe(true);
  });
});

describe('isId', () => {
  it('accepts ids made by newId for their prefix only', () => {
    for (const prefix of PREFIXES) {
      const id = newId(prefix, T0);
      expect(isId(id, prefix)).toBe(true);
      for (const other of PREFIXES.filter((p) => p !== prefix)) expect(isId(id, other)).toBe(false);
    }
  });

  it('rejects wrong lengths, upper case and letters outside Crockford base32', () => {
    const id = newId('lic', T0, bytes(5));
    expect(isId(id.slice(0, -1), 'lic')).toBe(false);
    expect(isId(`${id}0`, 'lic')).toBe(false);
    expect(isId(id.toUpperCase(), 'lic')).toBe(false);
    for (const letter of ['i', 'l', 'o', 'u']) expect(isId(`${id.slice(0, -1)}${letter}`, 'lic')).toBe(false);
    expect(isId(`lic-${id.slice(4)}`, 'lic')).toBe(false);
    expect(isId('', 'lic')).toBe(false);
    expect(isId(`lic_${'0'.repeat(26)}`, 'lic')).toBe(true);
  });
});

describe('newId with a bad time', () => {
  it('refuses negative and fractional milliseconds', () => {
    expect(() => newId('lic', -1)).toThrow(RangeError);
    expect(() => newId('lic', 1.5)).toThrow(RangeError);
  });
});
