import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCreated, AccountList, NewUser } from '../../src/contract/accounts.js';
import type { License, LicenseList } from '../../src/contract/licenses.js';
import type { RequestList } from '../../src/contract/support.js';
import { tempDir } from '../support/engines.js';
import { bootstrapStaff, type Call, client } from '../support/http.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

interface Customer {
  accountId: string;
  owner: string;
  licenseId: string;
}

describe('HTTP API, who may see and do what, against a real service process', () => {
  const dir = tempDir();
  let service: ServiceProcess;
  let call: Call;
  let staff: string;
  let alice: Customer;
  let bob: Customer;

  async function customer(email: string): Promise<Customer> {
    const account = await call<AccountCreated>('POST', '/v1/accounts', {
      token: staff,
      body: { email },
    });
    const license = await call<License>('POST', '/v1/licenses', {
      token: staff,
      body: { accountId: account.body.account.id, connections: 10 },
    });
    return { accountId: account.body.account.id, owner: account.body.ownerToken, licenseId: license.body.id };
  }

  beforeAll(async () => {
    service = await startService({ dataDir: dir.path });
    call = client(service.url);
    staff = await bootstrapStaff(service);
    alice = await customer('alice@alice.example');
    bob = await customer('bob@bob.example');
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it.each([
    ['no token', undefined],
    ['an unknown token', 'skt_not-a-real-token'],
    ['a bootstrap token used as an API token', 'skb_whatever'],
  ])('refuses %s with 401 unauthenticated', async (_name, token) => {
    for (const path of ['/v1/licenses', '/v1/accounts']) {
      const answer = await call('GET', path, token === undefined ? {} : { token });
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('unauthenticated');
    }
  });

  it('refuses a malformed Authorization header', async () => {
    const answer = await fetch(`${service.url}/v1/licenses`, { headers: { authorization: 'Basic abc' } });
    expect(answer.status).toBe(401);
  });

  it('lets only staff create accounts and issue keys', async () => {
    const account = await call('POST', '/v1/accounts', {
      token: alice.owner,
      body: { email: 'mallory@evil.example' },
    });
    expect([account.status, account.body.code]).toEqual([403, 'forbidden']);
    const key = await call('POST', '/v1/licenses', {
      token: alice.owner,
      body: { accountId: alice.accountId, connections: 1000 },
    });
    expect([key.status, key.body.code]).toEqual([403, 'forbidden']);
    const listed = await call<LicenseList>('GET', '/v1/licenses', { token: staff });
    expect(listed.body.licenses).toHaveLength(2);
    const accounts = await call<AccountList>('GET', '/v1/accounts', { token: staff });
    expect(accounts.body.accounts).toHaveLength(2);
  });

  it('shows an account only its own keys and account, even when it asks for another', async () => {
    const own = await call<LicenseList>('GET', `/v1/licenses?accountId=${bob.accountId}`, {
      token: alice.owner,
    });
    expect(own.body.licenses.map((license) => license.id)).toEqual([alice.licenseId]);
    const foreignLicense = await call('GET', `/v1/licenses/${bob.licenseId}`, { token: alice.owner });
    expect([foreignLicense.status, foreignLicense.body.code]).toEqual([404, 'license_not_found']);
    const foreignAccount = await call('GET', `/v1/accounts/${bob.accountId}`, { token: alice.owner });
    expect([foreignAccount.status, foreignAccount.body.code]).toEqual([404, 'account_not_found']);
    const accounts = await call<AccountList>('GET', '/v1/accounts', {
      token: alice.owner,
    });
    expect(accounts.body.accounts.map((account) => account.id)).toEqual([alice.accountId]);
  });

  it('lets an owner, not a member nor another account, add members', async () => {
    const member = await call<NewUser>('POST', `/v1/accounts/${alice.accountId}/members`, {
      token: alice.owner,
      body: { email: 'team@alice.example' },
    });
    expect(member.status).toBe(201);
    const byMember = await call('POST', `/v1/accounts/${alice.accountId}/members`, {
      token: member.body.token,
      body: { email: 'x@alice.example' },
    });
    expect([byMember.status, byMember.body.code]).toEqual([403, 'forbidden']);
    const byOther = await call('POST', `/v1/accounts/${alice.accountId}/members`, {
      token: bob.owner,
      body: { email: 'y@bob.example' },
    });
    expect([byOther.status, byOther.body.code]).toEqual([404, 'account_not_found']);
  });

  it('shows a member the account’s keys, but not order numbers, others’ requests or the audit log', async () => {
    const member = await call<NewUser>('POST', `/v1/accounts/${bob.accountId}/members`, {
      token: bob.owner,
      body: { email: 'it@bob.example' },
    });
    // The owner cites the order number in a transfer request.
    const owned = await call<License>('GET', `/v1/licenses/${bob.licenseId}`, {
      token: bob.owner,
    });
    expect(owned.body.orderNumber).toMatch(/^SO-/);
    const opened = await call('POST', '/v1/support-requests', {
      token: bob.owner,
      body: {
        type: 'transfer',
        licenseId: bob.licenseId,
        message: 'We were acquired.',
        toAccount: 'alice@alice.example',
        orderNumber: owned.body.orderNumber,
      },
    });
    expect(opened.status).toBe(201);
    const asMember = { token: member.body.token };
    const keys = await call<LicenseList>('GET', '/v1/licenses', asMember);
    expect(keys.body.licenses.map((license) => [license.id, license.orderNumber])).toEqual([
      [bob.licenseId, null],
    ]);
    expect(keys.body.licenses[0]?.key).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
    const requests = await call<RequestList>('GET', '/v1/support-requests', asMember);
    expect([requests.status, requests.body.requests]).toEqual([200, []]);
    const audit = await call('GET', '/v1/audit', asMember);
    expect([audit.status, audit.body.code]).toEqual([403, 'forbidden']);
    expect(JSON.stringify([keys.body, requests.body, audit.body])).not.toContain(owned.body.orderNumber);
    // The owner still sees all of it.
    const ownerRequests = await call<RequestList>('GET', '/v1/support-requests', {
      token: bob.owner,
    });
    expect(ownerRequests.body.requests).toHaveLength(1);
    expect((await call('GET', '/v1/audit', { token: bob.owner })).status).toBe(200);
  });
});
