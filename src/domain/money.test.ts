import { describe, expect, it } from 'vitest';
import {
  add,
  formatMoney,
  max,
  min,
  money,
  ratioOf,
  roundRatio,
  subtract,
  sum,
  times,
  zero,
} from './money.js';

describe('money', () => {
  it('holds whole minor units and refuses fractions, NaN and unsafe integers', () => {
    expect(money(123_450)).toEqual({ amount: 123_450, currency: 'USD' });
    expect(() => money(0.1 + 0.2)).toThrow(RangeError);
    expect(() => money(Number.NaN)).toThrow(RangeError);
    expect(() => money(2 ** 53)).toThrow(RangeError);
  });

  it('adds, subtracts and multiplies by whole counts exactly', () => {
    expect(add(money(10), money(20))).toEqual(money(30));
    expect(subtract(money(10), money(25))).toEqual(money(-15));
    expect(times(money(1_650), 150)).toEqual(money(247_500));
    expect(() => times(money(1_650), 1.5)).toThrow(RangeError);
    expect(sum([money(1), money(2), money(3)])).toEqual(money(6));
    expect(sum([], 'EUR')).toEqual(zero('EUR'));
    expect(min(money(5), money(7))).toEqual(money(5));
    expect(max(money(5), money(7))).toEqual(money(7));
  });

  it('never mixes currencies', () => {
    expect(() => add(money(1, 'USD'), money(1, 'EUR'))).toThrow(/Cannot mix USD and EUR/);
    expect(() => min(money(1, 'USD'), money(1, 'GBP'))).toThrow(RangeError);
  });
});

describe('roundRatio', () => {
  it('rounds half away from zero, once', () => {
    expect(roundRatio(5n, 2n)).toBe(3n);
    expect(roundRatio(7n, 2n)).toBe(4n); // half-even would give 4 here and 2 above: both halves go up
    expect(roundRatio(2_000_000n, 3n)).toBe(666_667n);
    expect(roundRatio(1_000_000n, 3n)).toBe(333_333n);
    expect(roundRatio(-5n, 2n)).toBe(-3n);
    expect(roundRatio(5n, -2n)).toBe(-3n);
    expect(roundRatio(6n, 3n)).toBe(2n);
    expect(() => roundRatio(1n, 0n)).toThrow(RangeError);
  });

  it('multiplies before it divides, in bigint, so large products keep every digit', () => {
    // 9,000,000,000,001 × 1001 = 9,009,000,000,001,001: past 2^53, so a double would drop the last digit.
    expect(ratioOf(money(9_000_000_000_001), 1001, 1000)).toEqual(money(9_009_000_000_001));
    expect(ratioOf(money(9_000_000_000_001), 1001, 2)).toEqual(money(4_504_500_000_000_501));
    expect(ratioOf(money(100_000), 20, 30)).toEqual(money(66_667));
    expect(ratioOf(money(-100_000), 20, 30)).toEqual(money(-66_667));
  });
});

describe('formatMoney', () => {
  it('prints dollars with thousands separators and two decimals', () => {
    expect(formatMoney(money(123_450))).toBe('$1,234.50');
    expect(formatMoney(money(5))).toBe('$0.05');
    expect(formatMoney(money(0))).toBe('$0.00');
    expect(formatMoney(money(-66_667))).toBe('-$666.67');
    expect(formatMoney(money(123_456_789_012))).toBe('$1,234,567,890.12');
    expect(formatMoney(money(100, 'EUR'))).toBe('€1.00');
    expect(formatMoney(money(99_900, 'GBP'))).toBe('£999.00');
  });
});
