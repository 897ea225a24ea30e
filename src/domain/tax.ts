import { fail, ok, type Result } from './errors.js';
import { add, type Currency, type Money, ratioOf, sum } from './money.js';

/**
 * Sales tax or VAT by billing country, from configuration. A rate is kept in parts per million
 * (19% = 190_000, 8.875% = 88_750): basis points cannot hold 8.875%, and a float cannot hold 0.1.
 * Tax is computed on the invoice's subtotal and rounded once per invoice, never per line:
 * rounding each line's tax and adding them gave 241.66 where 241.67 was right (Lago 4313).
 */
export type TaxRates = ReadonlyMap<string, number>;

const PPM_PER_PERCENT = 10_000;
const COUNTRY = /^[A-Z]{2}$/;
const PERCENT = /^(\d{1,3})(?:\.(\d{1,4}))?$/;

/** `19`, `8.875`: a percentage with up to four decimals, read in integers. */
function percentToPpm(text: string): number | undefined {
  const match = PERCENT.exec(text);
  if (match?.[1] === undefined) return undefined;
  const ppm = Number(match[1]) * PPM_PER_PERCENT + Number((match[2] ?? '').padEnd(4, '0'));
  return ppm <= 100 * PPM_PER_PERCENT ? ppm : undefined;
}

/** `DE=19,FR=20,US=0`: ISO 3166 country codes and percentages, as the configuration gives them. */
export function parseTaxRates(text: string): Result<TaxRates> {
  const rates = new Map<string, number>();
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const [country = '', percent = ''] = entry.split('=').map((part) => part.trim());
    if (!COUNTRY.test(country))
      return fail(
        'validation_failed',
        `"${entry}": a tax rate starts with a two-letter country code (DE=19).`,
        'taxRates',
      );
    const ppm = percentToPpm(percent);
    if (ppm === undefined)
      return fail(
        'validation_failed',
        `"${entry}": the rate is a percentage from 0 to 100 (8.875).`,
        'taxRates',
      );
    if (rates.has(country)) return fail('validation_failed', `${country} has two tax rates.`, 'taxRates');
    rates.set(country, ppm);
  }
  return ok(rates);
}

/** A country without a configured rate is one the vendor collects no tax for: 0. */
export function taxRateFor(rates: TaxRates, country: string): Result<number> {
  if (!COUNTRY.test(country))
    return fail(
      'validation_failed',
      'The billing country is a two-letter ISO 3166 code, such as DE.',
      'country',
    );
  return ok(rates.get(country) ?? 0);
}

/** `19%`, `8.875%`: for the invoice's tax line. */
export function formatRate(ppm: number): string {
  const whole = Math.floor(ppm / PPM_PER_PERCENT);
  const fraction = (ppm % PPM_PER_PERCENT).toString().padStart(4, '0').replace(/0+$/, '');
  return `${whole}${fraction === '' ? '' : `.${fraction}`}%`;
}

export interface InvoiceTotals {
  subtotal: Money;
  taxRate: number;
  tax: Money;
  total: Money;
}

/** Subtotal of the lines (credits negative), tax on it rounded once, and the total. */
export function invoiceTotals(lines: readonly Money[], taxRate: number, currency: Currency): InvoiceTotals {
  const subtotal = sum(lines, currency);
  const tax = ratioOf(subtotal, taxRate, 100 * PPM_PER_PERCENT);
  return { subtotal, taxRate, tax, total: add(subtotal, tax) };
}
