import type { PriceBookInput } from '../../src/contract/catalog.js';

/** A one-product book: key-1y at `unitPrice` for up to 99 connections, 1 less from 100. */
export const oneProductBook = (
  version: string,
  effectiveFrom: string,
  unitPrice = 20_00,
): PriceBookInput => ({
  version,
  effectiveFrom,
  currency: 'USD',
  products: [
    {
      kind: 'key',
      sku: 'key-1y',
      name: 'Fixed license key, 1 year',
      termYears: 1,
      tiers: [
        { upTo: 99, unitPrice },
        { upTo: null, unitPrice: unitPrice - 1_00 },
      ],
    },
  ],
});

/** Subscriptions at one flat price per connection, whatever the quantity: $`monthly` a month, 10 months' worth a year. */
export const flatSubscriptionBook = (
  version: string,
  effectiveFrom: string,
  monthly: number,
): PriceBookInput => ({
  version,
  effectiveFrom,
  currency: 'USD',
  products: [
    {
      kind: 'subscription',
      sku: 'subscription-monthly',
      name: 'Subscription, billed monthly',
      period: 'monthly',
      tiers: [{ upTo: null, unitPrice: monthly }],
    },
    {
      kind: 'subscription',
      sku: 'subscription-yearly',
      name: 'Subscription, billed yearly',
      period: 'yearly',
      tiers: [{ upTo: null, unitPrice: monthly * 10 }],
    },
  ],
});
