import { GATEWAY_LICENSE_MODELS, type LicenseModel } from './gateway-license.js';
import { money, ratioOf } from './money.js';
import type { PriceBook, Product, Tier } from './price-book.js';

/**
 * The price book a fresh service starts with. The seeds publish no figures, only their shape: the
 * price per connection falls with the quantity, and a longer support/upgrade term is cheaper per
 * year. These USD prices are plausible picks of that shape (about what commercial VPN servers ask
 * per connection and year); a vendor publishes its own book with a later `effectiveFrom`.
 */

/** Fixed key, 1 year of support/upgrade, per connection: 10-24, 25-49, 50-99, 100-249, 250-499, 500+. */
const KEY_ONE_YEAR: Tier[] = [
  { upTo: 24, unitPrice: 18_00 },
  { upTo: 49, unitPrice: 17_00 },
  { upTo: 99, unitPrice: 16_00 },
  { upTo: 249, unitPrice: 15_00 },
  { upTo: 499, unitPrice: 14_00 },
  { upTo: null, unitPrice: 12_00 },
];

/** A term of n years costs this share of n one-year terms: 5% less per year for each year added. */
const MULTI_YEAR_PERCENT: Record<number, number> = { 1: 100, 2: 95, 3: 90, 4: 85, 5: 80 };

/** Subscription per connection and month; a year costs 10 months (two months free). */
const SUBSCRIPTION_MONTHLY: Tier[] = [
  { upTo: 24, unitPrice: 2_00 },
  { upTo: 49, unitPrice: 1_90 },
  { upTo: 99, unitPrice: 1_80 },
  { upTo: 249, unitPrice: 1_70 },
  { upTo: 499, unitPrice: 1_60 },
  { upTo: null, unitPrice: 1_40 },
];

/** A SecuPoint license, per VPN user and year: 1-49, 50-99, 100-249, 250-499, 500+ users in the order line. */
const SECUPOINT_ONE_YEAR: Tier[] = [
  { upTo: 49, unitPrice: 6_00 },
  { upTo: 99, unitPrice: 5_50 },
  { upTo: 249, unitPrice: 5_00 },
  { upTo: 499, unitPrice: 4_50 },
  { upTo: null, unitPrice: 4_00 },
];

/** A Pro license (cloud management, no VPN user), per license and year: 1-9, 10-49, 50-99, 100+ licenses. */
const PRO_ONE_YEAR: Tier[] = [
  { upTo: 9, unitPrice: 150_00 },
  { upTo: 49, unitPrice: 140_00 },
  { upTo: 99, unitPrice: 130_00 },
  { upTo: null, unitPrice: 120_00 },
];

const scaled = (tiers: readonly Tier[], numerator: number, denominator: number): Tier[] =>
  tiers.map(({ upTo, unitPrice }) => ({
    upTo,
    unitPrice: ratioOf(money(unitPrice), numerator, denominator).amount,
  }));

const keys: Product[] = [1, 2, 3, 4, 5].map((termYears) => ({
  kind: 'key',
  sku: `key-${termYears}y`,
  name: `Fixed license key, ${termYears} ${termYears === 1 ? 'year' : 'years'} of support/upgrade`,
  termYears,
  tiers: scaled(KEY_ONE_YEAR, termYears * (MULTI_YEAR_PERCENT[termYears] ?? 100), 100),
}));

/** Every gateway license model, under its own SKU; longer terms cheaper per year as for keys. */
const gateways: Product[] = GATEWAY_LICENSE_MODELS.map((model: LicenseModel) => ({
  kind: 'gateway',
  sku: model.sku,
  name: model.name,
  termYears: model.termYears,
  tiers: scaled(
    model.kind === 'pro' ? PRO_ONE_YEAR : SECUPOINT_ONE_YEAR,
    model.termYears * (MULTI_YEAR_PERCENT[model.termYears] ?? 100),
    100,
  ),
}));

export const DEFAULT_PRICE_BOOK: PriceBook = {
  version: 'default',
  // In force from the start of time, so that any clock (a test's too) finds a book.
  effectiveFrom: new Date(0),
  currency: 'USD',
  products: [
    ...keys,
    {
      kind: 'subscription',
      sku: 'subscription-monthly',
      name: 'Subscription, billed monthly',
      period: 'monthly',
      tiers: SUBSCRIPTION_MONTHLY,
    },
    {
      kind: 'subscription',
      sku: 'subscription-yearly',
      name: 'Subscription, billed yearly',
      period: 'yearly',
      tiers: scaled(SUBSCRIPTION_MONTHLY, 10, 1),
    },
    ...gateways,
  ],
};
