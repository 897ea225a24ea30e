import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { License } from '../../src/contract/licenses.js';
import { ID_BODY, newId } from '../../src/domain/ids.js';
import { generateLicenseKey } from '../../src/domain/license-key.js';
import { addMember } from '../../src/service/accounts/operations.js';
import { activate } from '../../src/service/activation/operations.js';
import { auditPage } from '../../src/service/audit/log.js';
import { createBootstrapToken, createStaff } from '../../src/service/auth/staff.js';
import { authenticate } from '../../src/service/auth/tokens.js';
import type { ServiceContext } from '../../src/service/context.js';
import { issueLicense } from '../../src/service/licenses/operations.js';
import type { Engine } from '../../src/service/store/database.js';
import { joinPool } from '../../src/service/subscriptions/join.js';
import { createSubscription } from '../../src/service/subscriptions/lifecycle.js';
import { openRequest } from '../../src/service/support/operations.js';
import { ManualClock } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import { accountWithKey, machine, nonce } from '../support/factories.js';
import { type Answer, type Call, client } from '../support/http.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { openStateReader, type StateReader } from '../support/state.js';

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
const BEARER_CASES = [
  'no token',
  'garbage token',
  "another account's owner",
  'member',
  'owner',
  'staff',
] as const;
/** Callers of a route where a key in the body is the credential (agents, the bootstrap token). */
const KEY_CASES = ['no key', 'garbage key', "another account's key", 'the key'] as const;

type BearerCase = (typeof BEARER_CASES)[number];
type KeyCase = (typeof KEY_CASES)[number];

interface Request {
  /** With its query string. */
  path: string;
  body?: unknown;
}

interface Account {
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
interface World {
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

type Entry =
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

const UNKNOWN = {
  account: newId('acc', 1),
  license: newId('lic', 1),
  subscription: newId('sub', 1),
  request: newId('tkt', 1),
  audit: newId('aud', 1),
};

const staffOnly = (status: number): Record<BearerCase, number> => ({
  'no token': 401,
  'garbage token': 401,
  "another account's owner": 403,
  member: 403,
  owner: 403,
  staff: status,
});

const anyUser = (status: number): Record<BearerCase, number> => ({
  'no token': 401,
  'garbage token': 401,
  "another account's owner": status,
  member: status,
  owner: status,
  staff: status,
});

const agentBody = (key: string | undefined, serverId: string, seed: string) => ({
  ...(key === undefined ? {} : { key }),
  serverId,
  fingerprint: machine(seed),
  nonce: nonce(),
});

/** Tables a refused call is meant to write (the count of failed attempts); every other table must be as it was. */
const WRITTEN_BY_REFUSALS: string[] = ['failed_attempts'];

/** Keyed by "METHOD path" as the OpenAPI document names the route. */
const MATRIX: Record<string, Entry> = {
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
};

interface Probe {
  method: string;
  foreign: (w: World) => Promise<Request> | Request;
  unknown: (w: World) => Request;
}

/** Other places than the table's request where a caller can name another account's things. */
const MORE_PROBES: Record<string, Probe> = {
  'GET /v1/audit?entityId=': {
    method: 'GET',
    foreign: (w) => ({ path: `/v1/audit?entityId=${w.a.licenseId}` }),
    unknown: () => ({ path: `/v1/audit?entityId=${UNKNOWN.license}` }),
  },
  'GET /v1/audit?accountId=': {
    method: 'GET',
    foreign: (w) => ({ path: `/v1/audit?accountId=${w.a.accountId}` }),
    unknown: () => ({ path: `/v1/audit?accountId=${UNKNOWN.account}` }),
  },
  'POST /v1/support-requests, transfer to another account': {
    method: 'POST',
    foreign: (w) => ({ path: '/v1/support-requests', body: transferRequest(w.a.licenseId) }),
    unknown: () => ({ path: '/v1/support-requests', body: transferRequest(UNKNOWN.license) }),
  },
  // An agent's own key naming another account's server, against a server that never existed.
  "POST /v1/heartbeats, another account's server": {
    method: 'POST',
    foreign: (w) => ({ path: '/v1/heartbeats', body: beat(w, w.b.subscriptionKey, w.a.poolServer) }),
    unknown: (w) => ({ path: '/v1/heartbeats', body: beat(w, w.b.subscriptionKey, newId('srv', 1)) }),
  },
  "POST /v1/activations/refresh, another account's server": {
    method: 'POST',
    foreign: (w) => ({
      path: '/v1/activations/refresh',
      body: agentBody(w.b.licenseKey, w.a.boundServer, 'x'),
    }),
    unknown: (w) => ({
      path: '/v1/activations/refresh',
      body: agentBody(w.b.licenseKey, newId('srv', 1), 'x'),
    }),
  },
};

/** A heartbeat of a server with no tunnels. */
const beat = (w: World, key: string | undefined, serverId: string) => ({
  ...(key === undefined ? {} : { key }),
  serverId,
  sequence: w.heartbeatSequence(),
  sentAt: w.clock.now().getTime(),
  tunnels: [],
});

const transferRequest = (licenseId: string) => ({
  type: 'transfer',
  licenseId,
  message: 'Moving to our new company.',
  toAccount: 'owner@b.example',
});

/** The key an agent sends: none, a malformed one, another account's, or its own. */
function keyFor(w: World, who: KeyCase, other: string, own: string = w.a.licenseKey): string | undefined {
  if (who === 'no key') return undefined;
  if (who === 'garbage key') return 'not-a-key';
  return who === 'the key' ? own : other;
}

/** A refund request with the proof a member must give (the owner need not, but may). */
const supportRequest = (w: World, licenseId: string, licenseKey: string, orderNumber: string | null) => ({
  type: 'refund',
  licenseId,
  message: 'Bought by mistake.',
  licenseKey,
  primaryHolder: w.a.email,
  ...(orderNumber === null ? {} : { orderNumber }),
});

const methodOf = (key: string): string => key.split(' ')[0] ?? '';

/**
 * "METHOD path" of every route Fastify serves, from its route tree (`printRoutes`), in the
 * OpenAPI document's spelling; HEAD, which Fastify adds to every GET, left out.
 */
function servedRoutes(tree: string): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const at = line.indexOf('── ');
    const node = /^(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 3));
    if (at < 0 || node?.[1] === undefined) continue;
    const depth = (at + 3) / 4 - 1;
    prefixes.length = depth;
    const path = prefixes.join('') + node[1];
    prefixes.push(node[1]);
    for (const method of (node[2] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD'))
      routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return routes;
}

/** The ids in an answer, whatever they were, so two answers about different ids compare. */
const ANY_ID = new RegExp(`\\b([a-z]{3})_${ID_BODY}\\b`, 'g');
const withoutIds = (answer: Answer) => {
  const { requestId: _requestId, ...body } = answer.body ?? {};
  return {
    status: answer.status,
    body: JSON.parse(JSON.stringify(body).replace(ANY_ID, '$1_<id>')),
  };
};

async function accountOf(ctx: ServiceContext, seed: string): Promise<Account> {
  const { accountId, ownerToken, license } = await accountWithKey(ctx, { email: `owner@${seed}.example` });
  const now = ctx.clock.now().getTime();
  const boundServer = newId('srv', now);
  const bound = await activate(ctx, {
    key: license.key,
    serverId: boundServer,
    fingerprint: machine(`${seed}-bound`),
    nonce: nonce(),
  });
  if (!bound.ok) throw new Error(bound.error.detail);
  const subscription = await createSubscription(ctx, { accountId, connections: 10, period: 'yearly' });
  if (!subscription.ok) throw new Error(subscription.error.detail);
  const poolServer = newId('srv', now);
  const joined = await joinPool(ctx, {
    key: subscription.value.key,
    serverId: poolServer,
    fingerprint: machine(`${seed}-pool`),
  });
  if (!joined.ok) throw new Error(joined.error.detail);
  return {
    accountId,
    email: `owner@${seed}.example`,
    owner: ownerToken,
    licenseId: license.id,
    licenseKey: license.key,
    subscriptionId: subscription.value.id,
    subscriptionKey: subscription.value.key,
    boundServer,
    poolServer,
  };
}

async function buildWorld(ctx: ServiceContext, clock: ManualClock): Promise<World> {
  const bootstrapToken = await createBootstrapToken(ctx);
  if (bootstrapToken === undefined) throw new Error('no bootstrap token on a fresh store');
  const staff = await createStaff(ctx, 'staff@vendor.example');
  if (!staff.ok) throw new Error(staff.error.detail);
  const a = await accountOf(ctx, 'a');
  const b = await accountOf(ctx, 'b');
  const member = await addMember(ctx, a.accountId, 'member@a.example');
  if (!member.ok) throw new Error(member.error.detail);
  const owner = await authenticate(ctx, a.owner);
  if (owner?.kind !== 'account') throw new Error('the owner token does not authenticate');

  let emails = 0;
  let garbage = 0;
  let sequence = 0;
  const freshKey = async () => {
    const issued = await issueLicense(ctx, { accountId: a.accountId, connections: 10 });
    if (!issued.ok) throw new Error(issued.error.detail);
    return issued.value;
  };
  const freshRequest = async () => {
    const key = await freshKey();
    const opened = await openRequest(ctx, owner, { type: 'refund', licenseId: key.id, message: 'Oops.' });
    if (!opened.ok) throw new Error(opened.error.detail);
    return opened.value.id;
  };
  const audit = await auditPage(ctx, { accountId: a.accountId, limit: 1 });
  const auditEntry = audit.ok ? audit.value.entries[0]?.id : undefined;
  if (auditEntry === undefined) throw new Error('account A has no audit entry');
  return {
    ctx,
    clock,
    staff: staff.value.token,
    bootstrapToken,
    a: { ...a, member: member.value.token, auditEntry },
    b,
    elsewhere: (await accountWithKey(ctx, { email: 'owner@c.example' })).accountId,
    freshKey,
    freshRequest,
    email: () => {
      emails += 1;
      return `user-${emails}@matrix.example`;
    },
    garbageToken: () => {
      garbage += 1;
      return `skt_${String(garbage).padStart(8, '0')}garbage`;
    },
    heartbeatSequence: () => {
      sequence += 1;
      return sequence;
    },
  };
}

function tokenOf(w: World, who: BearerCase): string | undefined {
  switch (who) {
    case 'no token':
      return undefined;
    case 'garbage token':
      return w.garbageToken();
    case "another account's owner":
      return w.b.owner;
    case 'member':
      return w.a.member;
    case 'owner':
      return w.a.owner;
    case 'staff':
      return w.staff;
  }
}

/** Every id of account A's the store holds, to find in an answer to another account. */
async function idsOfAccount(ctx: ServiceContext, accountId: string): Promise<string[]> {
  const db = ctx.store.db;
  const [users, licenses, subscriptions, requests, audit] = await Promise.all([
    db.selectFrom('users').select('id').where('account_id', '=', accountId).execute(),
    db.selectFrom('licenses').select('id').where('account_id', '=', accountId).execute(),
    db.selectFrom('subscriptions').select('id').where('account_id', '=', accountId).execute(),
    db.selectFrom('support_requests').select('id').where('account_id', '=', accountId).execute(),
    db.selectFrom('audit_log').select('id').where('account_id', '=', accountId).execute(),
  ]);
  return [accountId, ...[users, licenses, subscriptions, requests, audit].flat().map((row) => row.id)];
}

describe.each(ENGINES)('who may call each route, on %s', (engine: Engine) => {
  const clock = new ManualClock();
  let service: InProcessService;
  let state: StateReader;
  let call: Call;
  let w: World;

  beforeAll(async () => {
    service = await startInProcessService(clock, engine);
    state = await openStateReader(service.location, WRITTEN_BY_REFUSALS);
    call = client(service.url);
    w = await buildWorld(service.ctx, clock);
  });
  afterAll(async () => {
    await state?.close();
    await service?.close();
  });

  it('has an entry for every route of the OpenAPI document, and none for a route that is gone', async () => {
    const document = await call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json');
    const documented = Object.entries(document.body.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(
      documented.filter((key) => !(key in MATRIX)),
      'routes with no entry in MATRIX',
    ).toEqual([]);
    expect(
      Object.keys(MATRIX).filter((key) => !documented.includes(key)),
      'entries for routes the service no longer has',
    ).toEqual([]);
  });

  it('sees in its snapshots what the service writes, so that an unchanged one means something', async () => {
    const before = await state.snapshot();
    const created = await call('POST', '/v1/accounts', { token: w.staff, body: { email: w.email() } });
    expect(created.status).toBe(201);
    const after = await state.snapshot();
    expect(after.accounts?.rows).toBe((before.accounts?.rows ?? 0) + 1);
    expect(after.audit_log?.digest).not.toBe(before.audit_log?.digest);
  });

  it('serves no route the OpenAPI document leaves out, but the document itself and its pages', async () => {
    const document = await call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json');
    const documented = new Set(
      Object.entries(document.body.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const served = servedRoutes(service.app.printRoutes({ commonPrefix: false }));
    expect(
      [...documented].filter((key) => !served.includes(key)),
      'documented, not found served',
    ).toEqual([]);
    const undocumented = served.filter(
      (key) => !documented.has(key) && !/^GET \/(openapi\.json|docs(\/.*)?)$/.test(key),
    );
    expect(undocumented, 'routes the matrix cannot see').toEqual([]);
  });

  /** Calls once; a refusal must leave every table as it was. */
  async function judged(method: string, request: Request, token: string | undefined): Promise<Answer> {
    const before = await state.snapshot();
    const answer = await call(method, request.path, {
      ...(token === undefined ? {} : { token }),
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    if (answer.status >= 400) {
      const after = await state.snapshot();
      const tables = new Set([...Object.keys(before), ...Object.keys(after)]);
      const changed = [...tables].filter((table) => !isDeepStrictEqual(before[table], after[table]));
      expect(changed, `tables a refused ${method} ${request.path} changed (${answer.text})`).toEqual([]);
    }
    return answer;
  }

  it.each(Object.keys(MATRIX))(
    '%s answers each caller as the table says, and a refused call changes nothing',
    async (key) => {
      const entry = MATRIX[key];
      if (entry === undefined) throw new Error(`no entry for ${key}`);
      const method = methodOf(key);
      const seen: Record<string, number> = {};
      if (entry.auth === 'bearer') {
        for (const who of BEARER_CASES) {
          const request = await entry.request(w);
          const answer = await judged(method, request, tokenOf(w, who));
          seen[who] = answer.status;
          if (who === "another account's owner") {
            // What the caller did not name itself, it must not learn.
            const asked = JSON.stringify(request);
            const leaked = (await idsOfAccount(w.ctx, w.a.accountId)).filter(
              (id) => !asked.includes(id) && answer.text.includes(id),
            );
            expect(leaked, `${key} shows another account's ids: ${answer.text}`).toEqual([]);
          }
        }
      } else if (entry.auth === 'key') {
        for (const who of KEY_CASES)
          seen[who] = (await judged(method, await entry.request(w, who), undefined)).status;
      } else {
        seen.anyone = (await judged(method, entry.request(w), undefined)).status;
      }
      expect(seen).toEqual(entry.expect);
    },
  );

  const probes: [string, Probe][] = [
    ...Object.entries(MATRIX).flatMap(([key, entry]): [string, Probe][] =>
      entry.auth === 'bearer' && entry.unknown !== undefined
        ? [[key, { method: methodOf(key), foreign: entry.request, unknown: entry.unknown }]]
        : [],
    ),
    ...Object.entries(MORE_PROBES),
  ];

  it.each(probes)(
    "%s answers another account's resource exactly as one that never existed",
    async (_, probe) => {
      const foreign = await judged(probe.method, await probe.foreign(w), w.b.owner);
      const unknown = await judged(probe.method, probe.unknown(w), w.b.owner);
      expect(withoutIds(foreign)).toEqual(withoutIds(unknown));
    },
  );
});
