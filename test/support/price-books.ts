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
