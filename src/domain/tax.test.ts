import { describe, expect, it } from 'vitest';
import { money, ratioOf, sum } from './money.js';
import { formatRate, invoiceTotals, parseTaxRates, taxRateFor } from './tax.js';

describe('invoiceTotals', () => {
  it('rounds tax once on the subtotal: $241.67, where rounding each line gives $241.66', () => {
    const lines = [money(42_000), money(42_001), money(43_192)];
    // Per line at 19%: $79.80 + ($79.8019 → $79.80) + ($82.0648 → $82.06) = $241.66 (the trap).
    const perLine = sum(lines.map((line) => ratioOf(line, 190_000, 1_000_000)));
    expect(perLine).toEqual(money(24_166));
    // On the subtotal: $1,271.93 × 19% = $241.6667 → $241.67.
    expect(invoiceTotals(lines, 190_000, 'USD')).toEqual({
      subtotal: money(127_193),
      taxRate: 190_000,
      tax: money(24_167),
      total: money(151_360),
    });
  });

  it('taxes a subtotal that includes credits, and rates with fractions of a percent', () => {
    // Proration: $1,000.00 − $666.67 = $333.33; at 8.875%: $29.5830 → $29.58.
    expect(invoiceTotals([money(100_000), money(-66_667)], 88_750, 'USD').tax).toEqual(money(2_958));
    // $0.10 at 5%: $0.005 → $0.01 (half up).
    expect(invoiceTotals([money(10)], 50_000, 'USD').tax).toEqual(money(1));
    expect(invoiceTotals([], 190_000, 'EUR')).toEqual({
      subtotal: money(0, 'EUR'),
      taxRate: 190_000,
      tax: money(0, 'EUR'),
      total: money(0, 'EUR'),
    });
  });
});

describe('parseTaxRates', () => {
  it('reads country codes and percentages in parts per million', () => {
    const rates = parseTaxRates('DE=19, FR=20,US=0, NL = 21 ,');
    expect(rates).toEqual({
      ok: true,
      value: new Map([
        ['DE', 190_000],
        ['FR', 200_000],
        ['US', 0],
        ['NL', 210_000],
      ]),
    });
    expect(parseTaxRates('XX=8.875')).toEqual({ ok: true, value: new Map([['XX', 88_750]]) });
    expect(parseTaxRates('')).toEqual({ ok: true, value: new Map() });
  });

  it('refuses what is not a country and a percentage from 0 to 100', () => {
    for (const text of [
      'de=19',
      'DEU=19',
      'DE=',
      'DE=19%',
      'DE=-1',
      'DE=100.5',
      'DE=8.87501',
      'DE=19,DE=7',
    ]) {
      expect(parseTaxRates(text), text).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', field: 'taxRates' },
      });
    }
  });
});

describe('taxRateFor', () => {
  const rates = new Map([['DE', 190_000]]);

  it('is the configured rate, or 0 where none is configured', () => {
    expect(taxRateFor(rates, 'DE')).toEqual({ ok: true, value: 190_000 });
    expect(taxRateFor(rates, 'US')).toEqual({ ok: true, value: 0 });
  });

  it('refuses a billing country that is not a code', () => {
    expect(taxRateFor(rates, 'Germany')).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'country' },
    });
  });
});

describe('formatRate', () => {
  it('prints the rate as people write it', () => {
    expect(formatRate(190_000)).toBe('19%');
    expect(formatRate(88_750)).toBe('8.875%');
    expect(formatRate(0)).toBe('0%');
    expect(formatRate(55_000)).toBe('5.5%');
  });
});
