import { fail, ok, type Result } from './errors.js';
import { findLicenseModel, type LicenseKind } from './gateway-license.js';
import { CURRENCIES, formatMoney, money } from './money.js';
import { type PriceBook, type Product, type Tier, volumeUnitPrice } from './price-book.js';
import { SINGLE_LINE } from './text.js';

/**
 * A price book is refused before it is published, not discovered wrong on an invoice: tiers that
 * do not cover every quantity or do not fall with it, and a longer term that costs more per year
 * than a shorter one (the seeds promise the opposite).
 */
export const MAX_TERM_YEARS = 5;

const SKU = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** A gateway product is sold under its license model's SKU, capitals and all (SPC-1YR-LIC). */
const GATEWAY_SKU = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const ONE_LINE = new RegExp(SINGLE_LINE);

const invalid = (detail: string, field = 'priceBook') => fail('price_book_invalid', detail, field);

/** How long one unit of the product lasts, in months: what "per year" compares across terms. */
const lengthInMonths = (product: Product): number =>
  product.kind === 'subscription' ? (product.period === 'monthly' ? 1 : 12) : product.termYears * 12;

function checkTiers(product: Product): Result<void> {
  const { tiers, sku } = product;
  if (tiers.length === 0) return invalid(`${sku} has no price tiers.`);
  let previous: Tier | undefined;
  for (const [index, tier] of tiers.entries()) {
    const last = index === tiers.length - 1;
    if (!Number.isSafeInteger(tier.unitPrice) || tier.unitPrice <= 0)
      return invalid(`${sku}: a unit price is a whole, positive number of minor units.`);
    if (last !== (tier.upTo === null))
      return invalid(`${sku}: only the last tier, and it always, is open-ended (upTo null).`);
    if (tier.upTo !== null && (!Number.isSafeInteger(tier.upTo) || tier.upTo < 1))
      return invalid(`${sku}: a tier ends at a whole quantity of 1 or more.`);
    if (previous !== undefined) {
      if (tier.upTo !== null && previous.upTo !== null && tier.upTo <= previous.upTo)
        return invalid(`${sku}: tiers are listed by rising quantity.`);
      if (tier.unitPrice >= previous.unitPrice)
        return invalid(`${sku}: the price per connection must fall as the quantity rises.`);
    }
    previous = tier;
  }
  return ok(undefined);
}

function checkProduct(product: Product): Result<void> {
  if (product.kind === 'gateway' ? !GATEWAY_SKU.test(product.sku) : !SKU.test(product.sku))
    return invalid(
      `SKU "${product.sku}" is not ${product.kind === 'gateway' ? 'letters' : 'lowercase letters'}, digits and dashes.`,
    );
  if (product.name.trim() === '' || !ONE_LINE.test(product.name))
    return invalid(`${product.sku}: the name is one line of text.`);
  if (product.kind !== 'subscription') {
    const years = product.termYears;
    if (!Number.isInteger(years) || years < 1 || years > MAX_TERM_YEARS)
      return invalid(`${product.sku}: a term is 1 to ${MAX_TERM_YEARS} years.`);
  }
  if (product.kind === 'gateway') {
    // An order for it delivers a key of that model: a product no model backs could not be fulfilled.
    const model = findLicenseModel(product.sku);
    if (!model.ok) return invalid(`${product.sku} is not a gateway license model.`);
    if (model.value.termYears !== product.termYears)
      return invalid(
        `${product.sku}: the license model's term is ${model.value.termYears} years, not ${product.termYears}.`,
      );
  }
  return checkTiers(product);
}

/**
 * The products whose terms are compared with each other: keys, subscriptions, and gateway
 * licenses of one kind (SecuPoint per VPN user, Pro per license). Several gateway models may sell
 * one term (20 and 150 users for a year), so only their lines may hold two products of a term.
 */
function lineOf(product: Product): string {
  if (product.kind !== 'gateway') return product.kind;
  const model = findLicenseModel(product.sku);
  const kind: LicenseKind | 'unknown' = model.ok ? model.value.kind : 'unknown';
  return `gateway:${kind}`;
}

/** The quantities where some tier of either table starts: between them both prices are constant. */
const breakpoints = (a: readonly Tier[], b: readonly Tier[]): number[] => [
  1,
  ...[...a, ...b].flatMap((tier) => (tier.upTo === null ? [] : [tier.upTo + 1])),
];

/** Of two products of one kind, the longer must cost less per month at every quantity. */
function checkLongerIsCheaper(
  shorter: Product,
  longer: Product,
  currency: PriceBook['currency'],
): Result<void> {
  for (const quantity of breakpoints(shorter.tiers, longer.tiers)) {
    const shortPrice = volumeUnitPrice(shorter.tiers, quantity);
    const longPrice = volumeUnitPrice(longer.tiers, quantity);
    // longPrice / longMonths < shortPrice / shortMonths, cross-multiplied to stay in integers.
    if (longPrice * lengthInMonths(shorter) >= shortPrice * lengthInMonths(longer))
      return invalid(
        `${longer.sku} costs ${formatMoney(money(longPrice, currency))} per connection at ${quantity}, ` +
          `not less per year than ${shorter.sku} at ${formatMoney(money(shortPrice, currency))}: ` +
          'the longer term must be cheaper per year.',
      );
  }
  return ok(undefined);
}

export function checkPriceBook(book: PriceBook): Result<PriceBook> {
  if (book.version.trim() === '' || !ONE_LINE.test(book.version))
    return invalid('The version is one line of text.', 'version');
  if (Number.isNaN(book.effectiveFrom.getTime()))
    return invalid('effectiveFrom is not a date.', 'effectiveFrom');
  if (!CURRENCIES.includes(book.currency)) return invalid(`Unknown currency ${book.currency}.`, 'currency');
  if (book.products.length === 0) return invalid('The price book sells nothing.', 'products');
  const skus = new Set<string>();
  const byLine = new Map<string, Map<number, Product[]>>();
  for (const product of book.products) {
    const checked = checkProduct(product);
    if (!checked.ok) return checked;
    if (skus.has(product.sku)) return invalid(`SKU ${product.sku} is listed twice.`);
    skus.add(product.sku);
    const line = lineOf(product);
    const lengths = byLine.get(line) ?? new Map<number, Product[]>();
    const months = lengthInMonths(product);
    const twin = lengths.get(months)?.[0];
    if (twin !== undefined && product.kind !== 'gateway')
      return invalid(`${twin.sku} and ${product.sku} sell the same term.`);
    byLine.set(line, lengths.set(months, [...(lengths.get(months) ?? []), product]));
  }
  for (const lengths of byLine.values()) {
    const ordered = [...lengths.entries()].sort(([a], [b]) => a - b).map(([, products]) => products);
    for (let index = 1; index < ordered.length; index++)
      for (const shorter of ordered[index - 1] ?? [])
        for (const longer of ordered[index] ?? []) {
          const checked = checkLongerIsCheaper(shorter, longer, book.currency);
          if (!checked.ok) return checked;
        }
  }
  return ok(book);
}
