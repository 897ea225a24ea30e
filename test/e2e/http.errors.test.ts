import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCreated, AccountList } from '../../src/contract/accounts.js';
import type { License, LicenseList } from '../../src/contract/licenses.js';
import { tempDir } from '../support/engines.js';
import { machine } from '../support/factories.js';
import { bootstrapStaff, type Call, client, expectProblem } from '../support/http.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

describe('HTTP API, bad input, against a real service process', () => {
  const dir = tempDir();
  let service: ServiceProcess;
  let call: Call;
  let staff: string;
  let accountId: string;
  let key: string;

  const activation = (overrides: Record<string, unknown> = {}) => ({
    key,
    serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t4v6',
    fingerprint: machine(1),
    nonce: 'a-good-nonce',
    ...overrides,
  });

  beforeAll(async () => {
    service = await startService({ dataDir: dir.path });
    call = client(service.url);
    staff = await bootstrapStaff(service);
    const account = await call<AccountCreated>('POST', '/v1/accounts', {
      token: staff,
      body: { email: 'bad-input@example.com' },
    });
    accountId = account.body.account.id;
    const issued = await call<License>('POST', '/v1/licenses', {
      token: staff,
      body: { accountId, connections: 10 },
    });
    key = issued.body.key;
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it.each([
    ['bad JSON', { raw: '{"key": ' }, 400, 'invalid_json', undefined],
    ['an empty JSON body', { raw: '' }, 400, 'invalid_json', undefined],
    [
      'a body that is not JSON',
      { raw: 'key=abc', contentType: 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
      undefined,
    ],
    [
      'an oversized body',
      { raw: JSON.stringify({ key: 'x'.repeat(100_000) }) },
      413,
      'body_too_large',
      undefined,
    ],
    ['a JSON array', { body: [] }, 400, 'validation_failed', undefined],
    [
      'a missing key',
      {
        body: { serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t4v6', fingerprint: machine(1), nonce: 'a-good-nonce' },
      },
      400,
      'validation_failed',
      'key',
    ],
    ['an unknown field', { extra: { admin: true } }, 400, 'validation_failed', 'admin'],
    ['a key of the wrong type', { extra: { key: 12345 } }, 400, 'validation_failed', 'key'],
    ['a malformed server id', { extra: { serverId: 'server-1' } }, 400, 'validation_failed', 'serverId'],
    [
      'macs that are not a list',
      { extra: { fingerprint: { ...machine(1), macs: 'aa:bb' } } },
      400,
      'validation_failed',
      'fingerprint.macs',
    ],
    ['a short nonce', { extra: { nonce: 'x' } }, 400, 'validation_failed', 'nonce'],
    ['a mistyped key', { extra: { key: 'ABCD-EFGH-JKMN-PQRS-TVWX' } }, 400, 'license_key_malformed', 'key'],
    [
      'a key with a character keys never have',
      { extra: { key: 'ABCU-EFGH-JKMN-PQRS-TVWX' } },
      400,
      'license_key_malformed',
      'key',
    ],
    ['an unknown key', { extra: { key: '0000-0000-0000-0000-0000' } }, 404, 'license_key_not_found', 'key'],
    ['a prototype-poisoning body', { raw: '{"__proto__": {"admin": true}}' }, 400, 'invalid_json', undefined],
  ])('refuses an activation with %s', async (_name, input, status, code, field) => {
    const { extra, ...options } = input as {
      extra?: Record<string, unknown>;
      raw?: string;
      body?: unknown;
      contentType?: string;
    };
    const answer = await call(
      'POST',
      '/v1/activations',
      extra === undefined ? options : { body: activation(extra) },
    );
    expectProblem(answer, status, code, field);
  });

  it.each([
    [{ connections: 0 }, 'connections'],
    [{ connections: -5 }, 'connections'],
    [{ connections: 1.5 }, 'connections'],
    [{ connections: '10' }, 'connections'],
    [{ connections: 10, years: 0 }, 'years'],
    [{ connections: 10, purchasedAt: 'yesterday' }, 'purchasedAt'],
    [{ connections: 10, purchasedAt: '2026-12-31T23:59:60Z' }, 'purchasedAt'],
    [{ connections: 10, purchasedAt: '1970-01-01T00:00:00Z' }, 'purchasedAt'],
    [{ connections: 10, accountId: 'acc_123' }, 'accountId'],
  ])('refuses to issue a key with %j', async (input, field) => {
    const answer = await call('POST', '/v1/licenses', { token: staff, body: { accountId, ...input } });
    expectProblem(answer, 400, 'validation_failed', field);
  });

  it('refuses a key for an unknown account', async () => {
    const answer = await call('POST', '/v1/licenses', {
      token: staff,
      body: { accountId: 'acc_01kax5c1x8b2m4n6p8r0s2t4v6', connections: 10 },
    });
    expectProblem(answer, 404, 'account_not_found', 'accountId');
  });

  it('refuses accounts with a bad or taken email', async () => {
    expectProblem(
      await call('POST', '/v1/accounts', { token: staff, body: { email: 'not an email' } }),
      400,
      'validation_failed',
      'email',
    );
    expectProblem(
      await call('POST', '/v1/accounts', { token: staff, body: { email: 'BAD-INPUT@example.com' } }),
      409,
      'email_taken',
      'email',
    );
  });

  it('answers unknown ids, malformed ids and unknown routes with 4xx', async () => {
    expectProblem(
      await call('GET', '/v1/licenses/lic_01kax5c1x8b2m4n6p8r0s2t4v6', { token: staff }),
      404,
      'license_not_found',
      'id',
    );
    expectProblem(
      await call('GET', '/v1/licenses/not-an-id', { token: staff }),
      400,
      'validation_failed',
      'id',
    );
    expectProblem(
      await call('GET', '/v1/accounts/acc_01kax5c1x8b2m4n6p8r0s2t4v6', { token: staff }),
      404,
      'account_not_found',
      'id',
    );
    expectProblem(await call('GET', '/v1/nothing-here'), 404, 'route_not_found');
    expectProblem(await call('DELETE', '/v1/activations'), 404, 'route_not_found');
    expectProblem(
      await call('GET', '/v1/licenses?accountId=oops', { token: staff }),
      400,
      'validation_failed',
      'accountId',
    );
  });

  it('refreshes only what was activated, and a used bootstrap token is spent', async () => {
    expectProblem(
      await call('POST', '/v1/activations/refresh', { body: activation() }),
      404,
      'not_activated',
      'key',
    );
    const bootstrap = /skb_[A-Za-z0-9_-]+/.exec(service.stderr())?.[0];
    expectProblem(
      await call('POST', '/v1/staff/bootstrap', {
        body: { token: bootstrap, email: 'again@vendor.example' },
      }),
      401,
      'bootstrap_token_invalid',
      'token',
    );
  });

  it('has changed nothing after all the bad requests', async () => {
    const licenses = await call<LicenseList>('GET', '/v1/licenses', { token: staff });
    expect(licenses.body.licenses).toEqual([
      expect.objectContaining({ status: 'not_activated', server: null }),
    ]);
    const accounts = await call<AccountList>('GET', '/v1/accounts', { token: staff });
    expect(accounts.body.accounts).toHaveLength(1);
  });
});
