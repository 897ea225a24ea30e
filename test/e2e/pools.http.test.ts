import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCreated } from '../../src/contract/accounts.js';
import type { HeartbeatAnswer, Subscription, SubscriptionList } from '../../src/contract/subscriptions.js';
import { newId } from '../../src/domain/ids.js';
import { tempDir } from '../support/engines.js';
import { machine } from '../support/factories.js';
import { bootstrapStaff, type Call, client } from '../support/http.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

describe('subscriptions and heartbeats over HTTP, against a real service process', () => {
  const dir = tempDir();
  let service: ServiceProcess;
  let call: Call;
  let staff: string;
  let owner: string;
  let key: string;
  const servers = { a: newId('srv', Date.now()), b: newId('srv', Date.now() + 1) };
  const sequence = { a: 0, b: 0 };

  const tunnels = (prefix: string, count: number, firstAt: number) =>
    Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, connectedAt: firstAt + i * 1000 }));
  const beat = (
    name: 'a' | 'b',
    reported: { id: string; connectedAt: number }[],
    overrides: Record<string, unknown> = {},
  ) => {
    sequence[name] += 1;
    return call<HeartbeatAnswer>('POST', '/v1/heartbeats', {
      body: {
        key,
        serverId: servers[name],
        sequence: sequence[name],
        sentAt: Date.now(),
        tunnels: reported,
        ...overrides,
      },
    });
  };

  beforeAll(async () => {
    service = await startService({ dataDir: dir.path });
    call = client(service.url);
    staff = await bootstrapStaff(service);
    const account = await call<AccountCreated>('POST', '/v1/accounts', {
      token: staff,
      body: { email: 'pool@example.com' },
    });
    owner = account.body.ownerToken;
    const created = await call<Subscription>('POST', '/v1/subscriptions', {
      token: staff,
      body: { accountId: account.body.account.id, connections: 100, period: 'monthly' },
    });
    expect(created.status).toBe(201);
    key = created.body.key;
    for (const name of ['a', 'b'] as const) {
      const joined = await call('POST', '/v1/subscriptions/activations', {
        body: { key, serverId: servers[name], fingerprint: machine(name) },
      });
      expect(joined.status).toBe(200);
    }
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it('orders the tunnel that connected last off the pool when 30 on A and 71 on B meet 100', async () => {
    const start = Date.now() - 3_600_000;
    expect((await beat('b', tunnels('b', 71, start))).body).toMatchObject({ used: 71, disconnect: [] });
    expect((await beat('a', tunnels('a', 30, start + 100_000))).body).toMatchObject({
      used: 101,
      disconnect: ['a-29'],
    });
    expect((await beat('a', tunnels('a', 29, start + 100_000))).body).toMatchObject({
      used: 100,
      disconnect: [],
    });
  });

  it('answers a heartbeat older than the stored one with 409 and the sequence to continue above', async () => {
    await beat('b', tunnels('b', 71, Date.now() - 3_600_000));
    const stored = sequence.b;
    const old = await call('POST', '/v1/heartbeats', {
      body: { key, serverId: servers.b, sequence: stored - 1, sentAt: Date.now(), tunnels: [] },
    });
    expect([old.status, old.body.code, old.body.storedSequence]).toEqual([
      409,
      'heartbeat_out_of_order',
      stored,
    ]);
  });

  it('shows the owner their subscription, and lets only staff create one', async () => {
    const mine = await call<SubscriptionList>('GET', '/v1/subscriptions', {
      token: owner,
    });
    expect(mine.body.subscriptions.map((s) => s.key)).toEqual([key]);
    const denied = await call('POST', '/v1/subscriptions', {
      token: owner,
      body: { accountId: 'acc_01kax5c1x8b2m4n6p8r0s2t4v6', connections: 5, period: 'yearly' },
    });
    expect([denied.status, denied.body.code]).toEqual([403, 'forbidden']);
  });

  it('lets staff renew a subscription by a period, and nobody else', async () => {
    const listed = await call<SubscriptionList>('GET', '/v1/subscriptions', { token: staff });
    const [subscription] = listed.body.subscriptions;
    const renewed = await call<Subscription>('POST', `/v1/subscriptions/${subscription?.id}/renew`, {
      token: staff,
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.periodEnds > (subscription?.periodEnds ?? '')).toBe(true);
    const byOwner = await call('POST', `/v1/subscriptions/${subscription?.id}/renew`, { token: owner });
    expect([byOwner.status, byOwner.body.code]).toEqual([403, 'forbidden']);
    const unknown = await call('POST', '/v1/subscriptions/sub_01kax5c1x8b2m4n6p8r0s2t4v6/renew', {
      token: staff,
    });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'subscription_not_found']);
  });

  it.each([
    [
      'duplicate tunnel ids',
      {
        tunnels: [
          { id: 'x', connectedAt: 1 },
          { id: 'x', connectedAt: 2 },
        ],
      },
      400,
      'validation_failed',
    ],
    ['a tunnel id with spaces', { tunnels: [{ id: 'a b', connectedAt: 1 }] }, 400, 'validation_failed'],
    ['a connect time as text', { tunnels: [{ id: 'x', connectedAt: 'now' }] }, 400, 'validation_failed'],
    ['a clock an hour off', { sentAt: Date.now() + 3_600_000 }, 400, 'clock_skew'],
    ['an unknown server', { serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t4v6' }, 404, 'not_pool_member'],
    ['a malformed key', { key: 'sks_short' }, 400, 'license_key_malformed'],
    ['a zero sequence', { sequence: 0 }, 400, 'validation_failed'],
    ['a sequence past what a number holds exactly', { sequence: 1e300 }, 400, 'validation_failed'],
    [
      'a connect time past what a number holds exactly',
      { tunnels: [{ id: 'x', connectedAt: 1e300 }] },
      400,
      'validation_failed',
    ],
  ])('refuses a heartbeat with %s and counts nothing from it', async (_name, overrides, status, code) => {
    const answer = await call('POST', '/v1/heartbeats', {
      body: { key, serverId: servers.b, sequence: 1_000, sentAt: Date.now(), tunnels: [], ...overrides },
    });
    expect([answer.status, answer.body.code]).toEqual([status, code]);
    const check = await beat('a', tunnels('a', 29, Date.now() - 3_600_000));
    expect(check.body.used).toBe(100);
  });
});
