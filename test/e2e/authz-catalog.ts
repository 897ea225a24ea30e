import { DAY } from '../support/clock.js';
import { oneProductBook } from '../support/price-books.js';
import { staffOnly } from './authz-expectations.js';
import type { Entry } from './authz-routes.js';

let published = 0;

/** The catalog's routes: reading it is public, the books and publishing are staff's. */
export const CATALOG_ROUTES: Record<string, Entry> = {
  'GET /v1/catalog': { auth: 'public', expect: { anyone: 200 }, request: () => ({ path: '/v1/catalog' }) },
  'GET /v1/catalog/price': {
    auth: 'public',
    expect: { anyone: 200 },
    request: () => ({ path: '/v1/catalog/price?sku=key-1y&quantity=25' }),
  },
  'GET /v1/catalog/books': {
    auth: 'bearer',
    expect: staffOnly(200),
    request: () => ({ path: '/v1/catalog/books' }),
  },
  'POST /v1/catalog/books': {
    auth: 'bearer',
    expect: staffOnly(201),
    // A version and an effective date of its own each time: both are unique.
    request: (w) => {
      published += 1;
      const from = new Date(w.clock.now().getTime() + published * DAY).toISOString();
      return { path: '/v1/catalog/books', body: oneProductBook(`authz-${published}`, from) };
    },
  },
};
