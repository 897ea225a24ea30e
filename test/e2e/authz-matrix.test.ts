import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_BODY, newId } from '../../src/domain/ids.js';
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
import { servedRoutes } from '../support/served-routes.js';
import { openStateReader, type StateReader } from '../support/state.js';
import { MORE_PROBES, type Probe } from './authz-probes.js';
import {
  type Account,
  BEARER_CASES,
  type BearerCase,
  KEY_CASES,
  MATRIX,
  type Request,
  type World,
  WRITTEN_BY_REFUSALS,
} from './authz-routes.js';

const methodOf = (key: string): string => key.split(' ')[0] ?? '';

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
  const [users, licenses, subscriptions, requests, audit, invoices] = await Promise.all([
    db.selectFrom('users').select('id').where('account_id', '=', accountId).execute(),
    db.selectFrom('licenses').select('id').where('account_id', '=', accountId).execute(),
    db.selectFrom('subscriptions').select('id').where('account_id', '=', accountId).execute(),
    db.selectFrom('support_requests').select('id').where('account_id', '=', accountId).execute(),
    db.selectFrom('audit_log').select('id').where('account_id', '=', accountId).execute(),
    db.selectFrom('invoices').select('id').where('account_id', '=', accountId).execute(),
  ]);
  return [
    accountId,
    ...[users, licenses, subscriptions, requests, audit, invoices].flat().map((row) => row.id),
  ];
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
      // Pages for people (everything outside /v1) have their own test: test/e2e/web-access.test.ts.
      (key) =>
        !documented.has(key) && !/^GET \/(openapi\.json|docs(\/.*)?)$/.test(key) && key.includes(' /v1/'),
    );
    expect(undocumented, 'routes the matrix cannot see').toEqual([]);
  });

  /** Calls once; a refusal must leave every table as it was. */
  async function judged(method: string, request: Request, token: string | undefined): Promise<Answer> {
    const before = await state.snapshot();
    const answer = await call(method, request.path, {
      ...(token === undefined ? {} : { token }),
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(request.headers === undefined ? {} : { headers: request.headers }),
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
