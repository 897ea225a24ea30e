import type { License } from '../../src/contract/licenses.js';
import { newId } from '../../src/domain/ids.js';
import { generateLicenseKey } from '../../src/domain/license-key.js';
import type { ServiceContext } from '../../src/service/context.js';
import type { ManualClock } from '../support/clock.js';
import { machine, nonce } from '../support/factories.js';
import { keyFor, supportRequest } from './authz-bodies.js';
import { CATALOG_ROUTES } from './authz-catalog.js';
import { anyUser, staffOnly } from './authz-expectations.js';
import { GATEWAY_DEVICE_ROUTES } from './authz-gateway-device-routes.js';
import { GATEWAY_ROUTES } from './authz-gateway-routes.js';
import { INVOICE_ROUTES } from './authz-invoice-routes.js';
import { ORDER_ROUTES } from './authz-order-routes.js';

/**
 * Who may call what, for every route the service documents: each route has an entry, and each
 * entry the status every kind of caller gets. A route added without an entry fails the test.
 * A refused call must change nothing in the store, and another account's resource must answer
 * exactly as one that never existed.
 *
 * A new route: add its entry to MATRIX under "METHOD path" as /openapi.json names it; its
 * `request` is called once per caller (make what a success uses up anew each time), and
 * `unknown`, where the request names an account's thing, names one that never existed instead.
 */

/** Callers of a route that takes an API token. */
export const BEARER_CASES = [
  'no token',
  'garbage token',
  "another account's owner",
  'member',
  'owner',
  'staff',
] as const;
/** Callers of a route where a key in the body is the credential (agents, the bootstrap token). */
export const KEY_CASES = ['no key', 'garbage key', "another account's key", 'the key'] as const;

export type BearerCase = (typeof BEARER_CASES)[number];
export type KeyCase = (typeof KEY_CASES)[number];

export interface Request {
  /** With its query string. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Account {
  accountId: string;
  email: string;
  owner: string;
  licenseId: string;
  licenseKey: string;
  subscriptionId: string;
  subscriptionKey: string;
  /** A server bound to the account's key, and one in its subscription's pool. */
  boundServer: string;
  poolServer: string;
}

/** What the table's requests are made from: two accounts, A (the caller's) and B (another). */
export interface World {
  ctx: ServiceContext;
  clock: ManualClock;
  staff: string;
  bootstrapToken: string;
  a: Account & { member: string; auditEntry: string };
  b: Account;
  /** A third account, where transfers take A's keys: B's own answers stay free of A's history. */
  elsewhere: string;
  /** A's key issued for this call alone, for calls that use a key up (refund, split...). */
  freshKey: () => Promise<License>;
  /** An open support request of A's made for this call alone. */
  freshRequest: () => Promise<string>;
  email: () => string;
  /** Unknown API tokens that begin differently: failed attempts are limited per token prefix too. */
  garbageToken: () => string;
  heartbeatSequence: () => number;
}

export type Entry =
  | {
      auth: 'bearer';
      expect: Record<BearerCase, number>;
      request: (w: World) => Promise<Request> | Request;
      /** The same request naming things that never existed, for "foreign looks like unknown". */
      unknown?: (w: World) => Request;
    }
  | {
      auth: 'key';
      expect: Record<KeyCase, number>;
      request: (w: World, who: KeyCase) => Promise<Request> | Request;
    }
  | { auth: 'public'; expect: { anyone: number }; request: (w: World) => Request };

export const UNKNOWN = {
  account: newId('acc', 1),
  license: newId('lic', 1),
  subscription: newId('sub', 1),
  request: newId('tkt', 1),
  audit: newId('aud', 1),
};

export const agentBody = (key: string | undefined, serverId: string, seed: string) => ({
  ...(key === undefined ? {} : { key }),
  serverId,
  fingerprint: machine(seed),
  nonce: nonce(),
});

/** Tables a refused call is meant to write (the count of failed attempts); every other table must be as it was. */
export const WRITTEN_BY_REFUSALS: string[] = ['failed_attempts'];

/** Keyed by "METHOD path" as the OpenAPI document names the route. */
export const MATRIX: Record<string, Entry> = {
  ...CATALOG_ROUTES,
  ...ORDER_ROUTES,
  ...GATEWAY_DEVICE_ROUTES,
  ...GATEWAY_ROUTES,
  'GET /healthz': { auth: 'public', expect: { anyone: 200 }, request: () => ({ path: '/healthz' }) },
  'GET /v1/signing-keys': {
    auth: 'public',
    expect: { anyone: 200 },
    request: () => ({ path: '/v1/signing-keys' }),
  },
  'GET /v1/signing-keys/vendor.pem': {
    auth: 'public',
    expect: { anyone: 200 },
    request: () => ({ path: '/v1/signing-keys/vendor.pem' }),
  },
  'POST /v1/staff/bootstrap': {
    auth: 'key',
    // Staff exist already, so even the real bootstrap token is spent; an API token is no bootstrap token.
    expect: { 'no key': 400, 'garbage key': 401, "another account's key": 401, 'the key': 401 },
    request: (w, who) => {
      const token = {
        'no key': undefined,
        'garbage key': 'skb_garbage',
        "another account's key": w.b.owner,
        'the key': w.bootstrapToken,
      }[who];
      return {
        path: '/v1/staff/bootstrap',
        body: { ...(token === undefined ? {} : { token }), email: w.email() },
      };
    },
  },

  'POST /v1/accounts': {
    auth: 'bearer',
    expect: staffOnly(201),
    request: (w) => ({ path: '/v1/accounts', body: { email: w.email() } }),
  },
  'GET /v1/accounts': { auth: 'bearer', expect: anyUser(200), request: () => ({ path: '/v1/accounts' }) },
  'GET /v1/accounts/{id}': {
    auth: 'bearer',
    expect: { ...anyUser(200), "another account's owner": 404 },
    request: (w) => ({ path: `/v1/accounts/${w.a.accountId}` }),
    unknown: () => ({ path: `/v1/accounts/${UNKNOWN.account}` }),
  },
  'POST /v1/accounts/{id}/members': {
    auth: 'bearer',
    expect: { ...anyUser(201), "another account's owner": 404, member: 403 },
    request: (w) => ({ path: `/v1/accounts/${w.a.accountId}/members`, body: { email: w.email() } }),
    unknown: (w) => ({ path: `/v1/accounts/${UNKNOWN.account}/members`, body: { email: w.email() } }),
  },

  'POST /v1/licenses': {
    auth: 'bearer',
    expect: staffOnly(201),
    request: (w) => ({ path: '/v1/licenses', body: { accountId: w.a.accountId, connections: 5 } }),
    unknown: () => ({ path: '/v1/licenses', body: { accountId: UNKNOWN.account, connections: 5 } }),
  },
  'GET /v1/licenses': {
    auth: 'bearer',
    expect: anyUser(200),
    request: (w) => ({ path: `/v1/licenses?accountId=${w.a.accountId}` }),
    unknown: () => ({ path: `/v1/licenses?accountId=${UNKNOWN.account}` }),
  },
  'GET /v1/licenses/{id}': {
    auth: 'bearer',
    expect: { ...anyUser(200), "another account's owner": 404 },
    request: (w) => ({ path: `/v1/licenses/${w.a.licenseId}` }),
    unknown: () => ({ path: `/v1/licenses/${UNKNOWN.license}` }),
  },
  'POST /v1/licenses/lookup': {
    auth: 'bearer',
    expect: { ...anyUser(200), "another account's owner": 404 },
    request: (w) => ({ path: '/v1/licenses/lookup', body: { key: w.a.licenseKey } }),
    unknown: () => ({ path: '/v1/licenses/lookup', body: { key: generateLicenseKey() } }),
  },
  'POST /v1/licenses/renewals': {
    auth: 'bearer',
    expect: staffOnly(200),
    request: (w) => ({ path: '/v1/licenses/renewals', body: { licenseIds: [w.a.licenseId], years: 1 } }),
    unknown: () => ({ path: '/v1/licenses/renewals', body: { licenseIds: [UNKNOWN.license], years: 1 } }),
  },
  'POST /v1/licenses/{id}/refund': {
    auth: 'bearer',
    expect: staffOnly(200),
    request: async (w) => ({ path: `/v1/licenses/${(await w.freshKey()).id}/refund` }),
    unknown: () => ({ path: `/v1/licenses/${UNKNOWN.license}/refund` }),
  },
  'POST /v1/licenses/{id}/split': {
    auth: 'bearer',
    expect: staffOnly(200),
    request: async (w) => ({
      path: `/v1/licenses/${(await w.freshKey()).id}/split`,
      body: { parts: [4, 6] },
    }),
    unknown: () => ({ path: `/v1/licenses/${UNKNOWN.license}/split`, body: { parts: [4, 6] } }),
  },
  'POST /v1/licenses/{id}/replacement': {
    auth: 'bearer',
    expect: staffOnly(200),
    request: async (w) => ({ path: `/v1/licenses/${(await w.freshKey()).id}/replacement` }),
    unknown: () => ({ path: `/v1/licenses/${UNKNOWN.license}/replacement` }),
  },
  'POST /v1/licenses/{id}/failover-key': {
    auth: 'bearer',
    expect: staffOnly(201),
    request: async (w) => ({ path: `/v1/licenses/${(await w.freshKey()).id}/failover-key` }),
    unknown: () => ({ path: `/v1/licenses/${UNKNOWN.license}/failover-key` }),
  },
  'POST /v1/licenses/transfers': {
    auth: 'bearer',
    expect: staffOnly(200),
    request: async (w) => ({
      path: '/v1/licenses/transfers',
      body: { licenseIds: [(await w.freshKey()).id], toAccountId: w.elsewhere, requesterEmail: w.a.email },
    }),
  },

  'POST /v1/activations': {
    auth: 'key',
    // Another account's key is bound to that account's server already.
    expect: { 'no key': 400, 'garbage key': 400, "another account's key": 409, 'the key': 201 },
    request: async (w, who) => {
      const own = who === 'the key' ? (await w.freshKey()).key : undefined;
      const serverId = newId('srv', w.clock.now().getTime());
      return {
        path: '/v1/activations',
        body: agentBody(keyFor(w, who, w.b.licenseKey, own), serverId, 'new'),
      };
    },
  },
  'POST /v1/activations/refresh': {
    auth: 'key',
    // A's bound server refreshing with a key bound elsewhere.
    expect: { 'no key': 400, 'garbage key': 400, "another account's key": 409, 'the key': 200 },
    request: (w, who) => ({
      path: '/v1/activations/refresh',
      body: agentBody(keyFor(w, who, w.b.licenseKey, w.a.licenseKey), w.a.boundServer, 'a-bound'),
    }),
  },
  'POST /v1/activations/status': {
    auth: 'key',
    expect: { 'no key': 400, 'garbage key': 400, "another account's key": 409, 'the key': 200 },
    request: (w, who) => ({
      path: '/v1/activations/status',
      body: { key: keyFor(w, who, w.b.licenseKey, w.a.licenseKey), serverId: w.a.boundServer },
    }),
  },
  'POST /v1/activations/offline': {
    auth: 'bearer',
    expect: { ...anyUser(201), "another account's owner": 404 },
    request: async (w) => ({
      path: '/v1/activations/offline',
      body: agentBody((await w.freshKey()).key, newId('srv', w.clock.now().getTime()), 'offline'),
    }),
    unknown: (w) => ({
      path: '/v1/activations/offline',
      body: agentBody(generateLicenseKey(), newId('srv', w.clock.now().getTime()), 'offline'),
    }),
  },

  'POST /v1/subscriptions': {
    auth: 'bearer',
    expect: staffOnly(201),
    request: (w) => ({
      path: '/v1/subscriptions',
      body: { accountId: w.a.accountId, connections: 10, period: 'yearly' },
    }),
    unknown: () => ({
      path: '/v1/subscriptions',
      body: { accountId: UNKNOWN.account, connections: 10, period: 'yearly' },
    }),
  },
  'GET /v1/subscriptions': {
    auth: 'bearer',
    expect: anyUser(200),
    request: () => ({ path: '/v1/subscriptions' }),
  },
  'GET /v1/subscriptions/{id}': {
    auth: 'bearer',
    expect: { ...anyUser(200), "another account's owner": 404 },
    request: (w) => ({ path: `/v1/subscriptions/${w.a.subscriptionId}` }),
    unknown: () => ({ path: `/v1/subscriptions/${UNKNOWN.subscription}` }),
  },
  'POST /v1/subscriptions/{id}/renew': {
    auth: 'bearer',
    expect: staffOnly(200),
    request: (w) => ({ path: `/v1/subscriptions/${w.a.subscriptionId}/renew` }),
    unknown: () => ({ path: `/v1/subscriptions/${UNKNOWN.subscription}/renew` }),
  },
  'POST /v1/subscriptions/activations': {
    auth: 'key',
    // A's pool member joining with another account's subscription: a server holds one at a time.
    expect: { 'no key': 400, 'garbage key': 400, "another account's key": 409, 'the key': 200 },
    request: (w, who) => {
      const { nonce: _nonce, ...body } = agentBody(
        keyFor(w, who, w.b.subscriptionKey, w.a.subscriptionKey),
        w.a.poolServer,
        'a-pool',
      );
      return { path: '/v1/subscriptions/activations', body };
    },
  },
  'POST /v1/heartbeats': {
    auth: 'key',
    // A's pool member is no member of another account's subscription.
    expect: { 'no key': 400, 'garbage key': 400, "another account's key": 404, 'the key': 200 },
    request: (w, who) => ({
      path: '/v1/heartbeats',
      body: beat(w, keyFor(w, who, w.b.subscriptionKey, w.a.subscriptionKey), w.a.poolServer),
    }),
  },

  'POST /v1/support-requests': {
    auth: 'bearer',
    // Staff decide requests; they do not open them.
    expect: { ...anyUser(201), "another account's owner": 404, staff: 403 },
    request: async (w) => {
      const key = await w.freshKey();
      return { path: '/v1/support-requests', body: supportRequest(w, key.id, key.key, key.orderNumber) };
    },
    unknown: (w) => ({
      path: '/v1/support-requests',
      body: supportRequest(w, UNKNOWN.license, generateLicenseKey(), 'SO-000000'),
    }),
  },
  'GET /v1/support-requests': {
    auth: 'bearer',
    expect: anyUser(200),
    request: () => ({ path: '/v1/support-requests' }),
  },
  'POST /v1/support-requests/{id}/approve': {
    auth: 'bearer',
    expect: staffOnly(200),
    request: async (w) => ({ path: `/v1/support-requests/${await w.freshRequest()}/approve` }),
    unknown: () => ({ path: `/v1/support-requests/${UNKNOWN.request}/approve` }),
  },
  'POST /v1/support-requests/{id}/decline': {
    auth: 'bearer',
    expect: staffOnly(200),
    request: async (w) => ({
      path: `/v1/support-requests/${await w.freshRequest()}/decline`,
      body: { reason: 'Not this time.' },
    }),
    unknown: () => ({ path: `/v1/support-requests/${UNKNOWN.request}/decline`, body: { reason: 'No.' } }),
  },

  'GET /v1/audit': {
    auth: 'bearer',
    // Another account's entry is not a place to continue its own log from: an unknown entry.
    expect: { ...anyUser(200), "another account's owner": 400, member: 403 },
    request: (w) => ({ path: `/v1/audit?after=${w.a.auditEntry}` }),
    unknown: () => ({ path: `/v1/audit?after=${UNKNOWN.audit}` }),
  },
  'GET /v1/reminders': {
    auth: 'bearer',
    expect: anyUser(200),
    request: (w) => ({ path: `/v1/reminders?subjectId=${w.a.licenseId}` }),
    unknown: () => ({ path: `/v1/reminders?subjectId=${UNKNOWN.license}` }),
  },
  ...INVOICE_ROUTES,
};

/** A heartbeat of a server with no tunnels. */
export const beat = (w: World, key: string | undefined, serverId: string) => ({
  ...(key === undefined ? {} : { key }),
  serverId,
  sequence: w.heartbeatSequence(),
  sentAt: w.clock.now().getTime(),
  tunnels: [],
});
