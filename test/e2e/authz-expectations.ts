import type { BearerCase } from './authz-routes.js';

/** What each caller of a route that takes an API token gets, for the common cases. */
export const staffOnly = (status: number): Record<BearerCase, number> => ({
  'no token': 401,
  'garbage token': 401,
  "another account's owner": 403,
  member: 403,
  owner: 403,
  staff: status,
});

export const anyUser = (status: number): Record<BearerCase, number> => ({
  'no token': 401,
  'garbage token': 401,
  "another account's owner": status,
  member: status,
  owner: status,
  staff: status,
});
