import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCreated, AccountList, NewUser } from '../../src/contract/accounts.js';
import type { License } from '../../src/contract/licenses.js';
import { generateLicenseKey } from '../../src/domain/license-key.js';
import { tempDir } from '../support/engines.js';
import { bootstrapStaff, type Call, client, expectProblem } from '../support/http.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

/** What the CLI finds by an email or a key, the API finds too, without listing everything. */
describe('HTTP API, looking up by email and by key, against a real service process', () => {
  const dir = tempDir();
  let service: ServiceProcess;
  let call: Call;
  let staff: string;
  let mine: { accountId: string; owner: string; member: string; license: License };
  let theirs: { accountId: string; owner: string; license: License };

  const accountWithKey = async (email: string) => {
    const created = await call<AccountCreated>('POST', '/v1/accounts', { token: staff, body: { email } });
    const accountId = created.body.account.id;
    const issued = await call<License>('POST', '/v1/licenses', {
      token: staff,
      body: { accountId, connections: 10 },
    });
    return { accountId, owner: created.body.ownerToken, license: issued.body };
  };

  beforeAll(async () => {
    service = await startService({ dataDir: dir.path });
    call = client(service.url);
    staff = await bootstrapStaff(service);
    const own = await accountWithKey('admin@mine.example');
    const member = await call<NewUser>('POST', `/v1/accounts/${own.accountId}/members`, {
      token: own.owner,
      body: { email: 'it@mine.example' },
    });
    mine = { ...own, member: member.body.token };
    theirs = await accountWithKey('admin@theirs.example');
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it('finds an account by its registered email: staff any, an account its own, in any case', async () => {
    const byStaff = await call<AccountList>('GET', '/v1/accounts?email=Admin%40Theirs.example', {
      token: staff,
    });
    expect([byStaff.status, byStaff.body.accounts]).toEqual([
      200,
      [expect.objectContaining({ id: theirs.accountId, email: 'admin@theirs.example' })],
    ]);
    for (const token of [mine.owner, mine.member]) {
      const own = await call<AccountList>('GET', '/v1/accounts?email=admin@mine.example', { token });
      expect([own.status, own.body.accounts.map((a) => a.id)]).toEqual([200, [mine.accountId]]);
    }
  });

  it('answers an email of no account, or of another account, with the same 404 account_not_found', async () => {
    const unknown = await call('GET', '/v1/accounts?email=nobody@nowhere.example', { token: staff });
    expectProblem(unknown, 404, 'account_not_found', 'email');
    const foreign = await call('GET', '/v1/accounts?email=admin@theirs.example', { token: mine.owner });
    const never = await call('GET', '/v1/accounts?email=admin@never.example', { token: mine.owner });
    expectProblem(foreign, 404, 'account_not_found', 'email');
    const { requestId: _a, ...foreignBody } = foreign.body;
    const { requestId: _b, ...neverBody } = never.body;
    expect(foreignBody).toEqual(neverBody);
    expect(foreign.text).not.toContain('theirs');
  });

  it('refuses a malformed email or an unknown query field with validation_failed', async () => {
    expectProblem(
      await call('GET', '/v1/accounts?email=not-an-email', { token: staff }),
      400,
      'validation_failed',
      'email',
    );
    expectProblem(
      await call('GET', '/v1/accounts?email=admin%00@mine.example', { token: staff }),
      400,
      'validation_failed',
      'email',
    );
    expectProblem(
      await call('GET', '/v1/accounts?mail=admin@mine.example', { token: staff }),
      400,
      'validation_failed',
      'mail',
    );
  });

  it('finds a license by its key, as typed: its account’s owner and members, and staff', async () => {
    const typed = mine.license.key.toLowerCase().replaceAll('-', ' ');
    const byOwner = await call<License>('POST', '/v1/licenses/lookup', {
      token: mine.owner,
      body: { key: typed },
    });
    expect([byOwner.status, byOwner.body]).toEqual([200, mine.license]);
    // A member uses the key but does not see the invoice's order number.
    const byMember = await call<License>('POST', '/v1/licenses/lookup', {
      token: mine.member,
      body: { key: mine.license.key },
    });
    expect([byMember.status, byMember.body]).toEqual([200, { ...mine.license, orderNumber: null }]);
    const byStaff = await call<License>('POST', '/v1/licenses/lookup', {
      token: staff,
      body: { key: theirs.license.key },
    });
    expect([byStaff.status, byStaff.body.id]).toEqual([200, theirs.license.id]);
  });

  it('answers another account’s key exactly as a key never issued, and never echoes the key', async () => {
    const foreign = await call('POST', '/v1/licenses/lookup', {
      token: mine.owner,
      body: { key: theirs.license.key },
    });
    const never = await call('POST', '/v1/licenses/lookup', {
      token: mine.owner,
      body: { key: generateLicenseKey() },
    });
    expectProblem(foreign, 404, 'license_key_not_found', 'key');
    const { requestId: _a, ...foreignBody } = foreign.body;
    const { requestId: _b, ...neverBody } = never.body;
    expect(foreignBody).toEqual(neverBody);
    expect(foreign.text).not.toContain(theirs.license.key);
    expect(foreign.text).not.toContain(theirs.license.id);
  });

  it('refuses a mistyped key, a missing key and a lookup without a token', async () => {
    expectProblem(
      await call('POST', '/v1/licenses/lookup', { token: mine.owner, body: { key: 'ABCD-EFGH' } }),
      400,
      'license_key_malformed',
      'key',
    );
    expectProblem(
      await call('POST', '/v1/licenses/lookup', {
        token: mine.owner,
        body: { key: `${mine.license.key}\u0000` },
      }),
      400,
      'license_key_malformed',
      'key',
    );
    expectProblem(
      await call('POST', '/v1/licenses/lookup', { token: mine.owner, body: {} }),
      400,
      'validation_failed',
      'key',
    );
    expectProblem(
      await call('POST', '/v1/licenses/lookup', { body: { key: mine.license.key } }),
      401,
      'unauthenticated',
    );
  });

  it('takes an empty body labelled application/json on a route that takes no body', async () => {
    const refunded = await call<License>('POST', `/v1/licenses/${mine.license.id}/refund`, {
      token: staff,
      raw: '',
    });
    expect([refunded.status, refunded.body.status], refunded.text).toEqual([200, 'revoked']);
  });

  it('still refuses malformed JSON there, and an empty body where the route takes one', async () => {
    expectProblem(
      await call('POST', `/v1/licenses/${theirs.license.id}/refund`, { token: staff, raw: '{"' }),
      400,
      'invalid_json',
    );
    expectProblem(
      await call('POST', '/v1/licenses/lookup', { token: mine.owner, raw: '' }),
      400,
      'invalid_json',
    );
    const untouched = await call<License>('GET', `/v1/licenses/${theirs.license.id}`, { token: staff });
    expect(untouched.body.status).toBe('not_activated');
  });
});
