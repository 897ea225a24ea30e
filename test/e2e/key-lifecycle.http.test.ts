import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCreated } from '../../src/contract/accounts.js';
import type { ActivationAnswer } from '../../src/contract/activation.js';
import type { AuditPage } from '../../src/contract/audit.js';
import type { Problem } from '../../src/contract/common.js';
import type { License, LicenseList, SplitAnswer } from '../../src/contract/licenses.js';
import type { RequestList, SupportRequest } from '../../src/contract/support.js';
import { tempDir } from '../support/engines.js';
import { machine, nonce } from '../support/factories.js';
import { bootstrapStaff, type Call, client } from '../support/http.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

describe('renewals, refunds, splits and the audit log over HTTP, against a real service process', () => {
  const dir = tempDir();
  let service: ServiceProcess;
  let call: Call;
  let staff: string;
  const accounts: { id: string; owner: string }[] = [];

  beforeAll(async () => {
    service = await startService({ dataDir: dir.path });
    call = client(service.url);
    staff = await bootstrapStaff(service);
    for (const email of ['first@lifecycle.example', 'second@lifecycle.example']) {
      const made = await call<AccountCreated>('POST', '/v1/accounts', {
        token: staff,
        body: { email },
      });
      accounts.push({ id: made.body.account.id, owner: made.body.ownerToken });
    }
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  const issue = async (connections = 10) =>
    (
      await call<License>('POST', '/v1/licenses', {
        token: staff,
        body: { accountId: accounts[0]?.id, connections },
      })
    ).body;

  it('renews keys in one call for staff, and refuses owners and bad years', async () => {
    const [a, b] = [await issue(), await issue()];
    const renewed = await call<LicenseList>('POST', '/v1/licenses/renewals', {
      token: staff,
      body: { licenseIds: [a.id, b.id], years: 2 },
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.licenses.map((license) => license.termYears)).toEqual([3, 3]);
    const byOwner = await call('POST', '/v1/licenses/renewals', {
      token: accounts[0]?.owner,
      body: { licenseIds: [a.id], years: 1 },
    });
    expect(byOwner.status).toBe(403);
    for (const years of [0, 11, 1.5, '1'])
      expect(
        (await call('POST', '/v1/licenses/renewals', { token: staff, body: { licenseIds: [a.id], years } }))
          .status,
      ).toBe(400);
    const unknown = await call('POST', '/v1/licenses/renewals', {
      token: staff,
      body: { licenseIds: ['lic_01kax5c1x8b2m4n6p8r0s2t4v6'], years: 1 },
    });
    expect(unknown.body).toMatchObject({ code: 'license_not_found' });
  });

  it('refunds and splits keys never activated, and refuses an activated one with 409', async () => {
    const refunded = await call<License>('POST', `/v1/licenses/${(await issue()).id}/refund`, {
      token: staff,
    });
    expect(refunded.body).toMatchObject({ status: 'revoked', endedReason: 'refunded' });
    const original = await issue(10);
    const split = await call<SplitAnswer>('POST', `/v1/licenses/${original.id}/split`, {
      token: staff,
      body: { parts: [4, 6] },
    });
    expect(split.status).toBe(200);
    expect(split.body.keys.map((key) => [key.connections, key.parentId])).toEqual([
      [4, original.id],
      [6, original.id],
    ]);
    const used = await issue();
    const activation = await call('POST', '/v1/activations', {
      body: {
        key: used.key,
        serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t4v7',
        fingerprint: machine('life'),
        nonce: nonce(),
      },
    });
    expect(activation.status).toBe(201);
    const refusedRefund = await call('POST', `/v1/licenses/${used.id}/refund`, { token: staff });
    expect(refusedRefund.status).toBe(409);
    expect(refusedRefund.body).toMatchObject({ code: 'license_activated' });
    const refusedSplit = await call('POST', `/v1/licenses/${used.id}/split`, {
      token: staff,
      body: { parts: [5, 5] },
    });
    expect(refusedSplit.body).toMatchObject({ code: 'license_activated' });
    const badParts = await call('POST', `/v1/licenses/${original.id}/split`, {
      token: staff,
      body: { parts: [10] },
    });
    expect(badParts.status).toBe(400);
  });

  it('transfers keys to another account for staff, refusing an unrelated requester without the order', async () => {
    const key = await issue();
    const [first, second] = accounts as [{ id: string; owner: string }, { id: string; owner: string }];
    const body = {
      licenseIds: [key.id],
      toAccountId: second.id,
      requesterEmail: 'someone@elsewhere.example',
    };
    const refused = await call('POST', '/v1/licenses/transfers', { token: staff, body });
    expect([refused.status, refused.body]).toEqual([
      403,
      expect.objectContaining({ code: 'transfer_not_authorized' }),
    ]);
    const byOwner = await call('POST', '/v1/licenses/transfers', { token: first.owner, body });
    expect(byOwner.status).toBe(403);
    const moved = await call<LicenseList>('POST', '/v1/licenses/transfers', {
      token: staff,
      body: { ...body, orderNumber: (key as License & { orderNumber: string }).orderNumber },
    });
    expect(moved.status).toBe(200);
    expect((await call('GET', `/v1/licenses/${key.id}`, { token: first.owner })).status).toBe(404);
    expect((await call('GET', `/v1/licenses/${key.id}`, { token: second.owner })).status).toBe(200);
  });

  it('answers an offline request of the key’s own account, and no other account’s', async () => {
    const key = await issue();
    const request = {
      format: 'seatkeeper-offline-request/1',
      key: key.key,
      serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t4v8',
      fingerprint: machine('offline'),
      nonce: nonce(),
    };
    expect((await call('POST', '/v1/activations/offline', { body: request })).status).toBe(401);
    const foreign = await call('POST', '/v1/activations/offline', {
      token: accounts[1]?.owner,
      body: request,
    });
    expect([foreign.status, foreign.body]).toEqual([
      404,
      expect.objectContaining({ code: 'license_key_not_found' }),
    ]);
    const answered = await call<ActivationAnswer>('POST', '/v1/activations/offline', {
      token: accounts[0]?.owner,
      body: request,
    });
    expect(answered.status).toBe(201);
    expect(answered.body.certificate.payload.expiresAt).toBe(answered.body.certificate.payload.ends);
    const bad = await call('POST', '/v1/activations/offline', {
      token: staff,
      body: { ...request, format: 'other' },
    });
    expect(bad.status).toBe(400);
  });

  it('takes support requests from customers; staff approve or decline them, and the customer sees it', async () => {
    const key = await issue();
    const owner = accounts[0]?.owner;
    const body = { type: 'refund', licenseId: key.id, message: 'Bought twice by mistake.' };
    const opened = await call<SupportRequest>('POST', '/v1/support-requests', {
      token: owner,
      body,
    });
    expect([opened.status, opened.body.status]).toEqual([201, 'open']);
    expect((await call('POST', '/v1/support-requests', { token: staff, body })).status).toBe(403);
    expect(
      (await call('POST', '/v1/support-requests', { token: owner, body: { ...body, type: 'upgrade' } }))
        .status,
    ).toBe(400);
    const queue = await call<RequestList>('GET', '/v1/support-requests?status=open', {
      token: staff,
    });
    expect(queue.body.requests.map((request) => request.id)).toContain(opened.body.id);
    expect(
      (await call('POST', `/v1/support-requests/${opened.body.id}/approve`, { token: owner })).status,
    ).toBe(403);
    const approved = await call<SupportRequest>('POST', `/v1/support-requests/${opened.body.id}/approve`, {
      token: staff,
    });
    expect([approved.status, approved.body.status]).toEqual([200, 'approved']);
    const again = await call('POST', `/v1/support-requests/${opened.body.id}/decline`, {
      token: staff,
      body: { reason: 'Late.' },
    });
    expect([again.status, again.body]).toEqual([
      409,
      expect.objectContaining({ code: 'request_already_decided' }),
    ]);
    const mine = await call<RequestList>('GET', '/v1/support-requests', {
      token: owner,
    });
    expect(mine.body.requests.find((request) => request.id === opened.body.id)?.status).toBe('approved');
    const theirs = await call<RequestList>('GET', '/v1/support-requests', {
      token: accounts[1]?.owner,
    });
    expect(theirs.body.requests).toEqual([]);
    expect((await call('GET', `/v1/licenses/${key.id}`, { token: owner })).body).toMatchObject({
      endedReason: 'refunded',
    });
    const unknown = await call('POST', '/v1/support-requests/tkt_01kax5c1x8b2m4n6p8r0s2t4v6/decline', {
      token: staff,
      body: { reason: 'No.' },
    });
    expect(unknown.status).toBe(404);
  });

  it('shows an account its own audit entries and staff all of them', async () => {
    const key = await issue();
    await call('POST', '/v1/licenses/renewals', { token: staff, body: { licenseIds: [key.id], years: 1 } });
    const own = await call<AuditPage>('GET', `/v1/audit?entityId=${key.id}`, { token: accounts[0]?.owner });
    expect(own.status).toBe(200);
    expect(own.body.entries.map((entry) => entry.action)).toEqual(['issued', 'renewed']);
    expect(own.body.entries[1]?.actor).toMatch(/^usr_/);
    const other = await call<AuditPage>('GET', `/v1/audit?entityId=${key.id}`, {
      token: accounts[1]?.owner,
    });
    expect(other.body.entries).toEqual([]);
    const all = await call<AuditPage>('GET', '/v1/audit', { token: staff });
    expect(all.body.entries.length).toBeGreaterThan(own.body.entries.length);
    expect((await call('GET', '/v1/audit')).status).toBe(401);
    expect((await call('GET', '/v1/audit?entityId=nope', { token: staff })).status).toBe(400);
  });

  it('pages through the audit log with `after` and `limit`', async () => {
    const key = await issue();
    await call('POST', '/v1/licenses/renewals', { token: staff, body: { licenseIds: [key.id], years: 1 } });
    const page = (query: string) =>
      call<AuditPage>('GET', `/v1/audit?entityId=${key.id}&limit=1${query}`, { token: staff });
    const first = await page('');
    expect(first.body.entries.map((entry) => entry.action)).toEqual(['issued']);
    expect(first.body.next).toBe(first.body.entries[0]?.id);
    const second = await page(`&after=${first.body.next}`);
    expect(second.body.entries.map((entry) => entry.action)).toEqual(['renewed']);
    const third = await page(`&after=${second.body.next}`);
    expect(third.body).toEqual({ entries: [], next: null });
    for (const bad of ['limit=0', 'limit=1001', 'after=nope', 'after=aud_01kax5c1x8b2m4n6p8r0s2t000']) {
      const refused = await call<Problem>('GET', `/v1/audit?${bad}`, { token: staff });
      expect([bad, refused.status, refused.body.code]).toEqual([bad, 400, 'validation_failed']);
    }
  });
});
