/**
 * Money as whole minor units (cents) with its currency. A plain safe integer rather than a bigint:
 * it goes into JSON, SQLite and PostgreSQL integer columns as it is, and 2^53 cents is far beyond
 * any licence order. Only the ratio helper (`ratioOf`) multiplies before it divides, and it does
 * that in bigint so that no intermediate product loses a digit.
 */
export type Currency = 'USD' | 'EUR' | 'GBP';

export interface Money {
  readonly amount: number;
  readonly currency: Currency;
}

/** Every currency here has cents; a currency without them would need its own exponent. */
const SYMBOLS: Record<Currency, string> = { USD: '$', EUR: '€', GBP: '£' };

export const CURRENCIES: readonly Currency[] = ['USD', 'EUR', 'GBP'];

/** Amounts come from rules and validated input: a fraction here is a bug, not a customer's mistake. */
function wholeMinorUnits(amount: number): number {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`Money must be whole minor units, got ${amount}`);
  return amount;
}

export const money = (amount: number, currency: Currency = 'USD'): Money => ({
  amount: wholeMinorUnits(amount),
  currency,
});

export const zero = (currency: Currency = 'USD'): Money => money(0, currency);

function sameCurrency(a: Money, b: Money): Currency {
  if (a.currency !== b.currency) throw new RangeError(`Cannot mix ${a.currency} and ${b.currency}`);
  return a.currency;
}

export const add = (a: Money, b: Money): Money => money(a.amount + b.amount, sameCurrency(a, b));

export const subtract = (a: Money, b: Money): Money => money(a.amount - b.amount, sameCurrency(a, b));

/** A unit price times a count (connections, years): exact, no rounding. */
export const times = (value: Money, factor: number): Money =>
  money(value.amount * wholeMinorUnits(factor), value.currency);

export const sum = (values: readonly Money[], currency: Currency = 'USD'): Money =>
  values.reduce(add, zero(currency));

export const min = (a: Money, b: Money): Money => money(Math.min(a.amount, b.amount), sameCurrency(a, b));

export const max = (a: Money, b: Money): Money => money(Math.max(a.amount, b.amount), sameCurrency(a, b));

/**
 * The one rounding rule: a rational amount to whole minor units, half away from zero ("half up"
 * on the magnitude). Commercial rounding is what customers and tax offices check an invoice with,
 * and Kill Bill's proration uses HALF_UP; half-even (banker's) would print $0.125 as $0.12, which
 * a customer redoing the sum by hand reads as a mistake. A credit rounds like the charge it mirrors.
 */
export function roundRatio(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('Division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const rounded = (2n * n + d) / (2n * d);
  return negative ? -rounded : rounded;
}

/** `value × numerator / denominator`, rounded once by `roundRatio`: proration and tax go through here. */
export function ratioOf(value: Money, numerator: number, denominator: number): Money {
  const exact = roundRatio(
    BigInt(value.amount) * BigInt(wholeMinorUnits(numerator)),
    BigInt(wholeMinorUnits(denominator)),
  );
  return money(Number(exact), value.currency);
}

/** `$1,234.50`, `-$666.67`: for invoices and their lines, built from the integer (no float on the way). */
export function formatMoney(value: Money): string {
  const magnitude = Math.abs(value.amount);
  const whole = Math.floor(magnitude / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (magnitude % 100).toString().padStart(2, '0');
  return `${value.amount < 0 ? '-' : ''}${SYMBOLS[value.currency]}${whole}.${cents}`;
}

export const isCurrency = (code: string): code is Currency =>
  (CURRENCIES as readonly string[]).includes(code);

/** Minor units of a currency named by its code, as people read it: `€1,234.50`, `1,234.50 CHF`. */
export function formatAmount(amount: number, currency: string): string {
  if (isCurrency(currency)) return formatMoney(money(amount, currency));
  return `${formatMoney(money(amount, 'USD')).replace('$', '')} ${currency}`;
}
