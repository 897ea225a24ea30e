import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCreated, NewUser } from '../../src/contract/accounts.js';
import type { License, LicenseList } from '../../src/contract/licenses.js';
import type { SigningKeys } from '../../src/contract/signing-keys.js';
import { tempDir } from '../support/engines.js';
import { machine } from '../support/factories.js';
import { bootstrapStaff, type Call, client } from '../support/http.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

describe('HTTP API, happy path, against a real service process', () => {
  const dir = tempDir();
  let service: ServiceProcess;
  let call: Call;
  let staff: string;

  beforeAll(async () => {
    service = await startService({ dataDir: dir.path });
    call = client(service.url);
    staff = await bootstrapStaff(service);
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it('answers /healthz with 200 while the store is reachable', async () => {
    const answer = await call('GET', '/healthz');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok', engine: 'sqlite' });
    expect(answer.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('serves a valid OpenAPI 3.1 document and readable docs', async () => {
    const answer = await call('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(answer.body as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(answer.body.paths as object)).toEqual(
      expect.arrayContaining(['/v1/activations', '/v1/licenses', '/v1/accounts']),
    );
    // Every route that takes a credential documents the 429 of the failed-attempt limit; others do not.
    const paths = answer.body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    const limited = (path: string, method: string) =>
      Object.hasOwn(paths[path]?.[method]?.responses ?? {}, '429');
    expect(limited('/v1/activations', 'post')).toBe(true);
    expect(limited('/v1/heartbeats', 'post')).toBe(true);
    expect(limited('/v1/staff/bootstrap', 'post')).toBe(true);
    expect(limited('/v1/licenses', 'get')).toBe(true);
    expect(limited('/healthz', 'get')).toBe(false);
    expect(limited('/v1/signing-keys', 'get')).toBe(false);
    const docs = await fetch(`${service.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('<html');
  });

  it('publishes the vendor public key for agents to pin', async () => {
    const answer = await call<SigningKeys>('GET', '/v1/signing-keys');
    expect(answer.body.keys).toEqual([
      {
        kid: expect.stringMatching(/^kid_/),
        alg: 'Ed25519',
        publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY'),
      },
    ]);
    expect(service.stderr()).toContain(answer.body.keys[0]?.publicKeyPem.trim());
  });

  it('hands out the vendor public key as a PEM file to install on VPN servers, by HTTP and beside its data', async () => {
    const listed = (await call<SigningKeys>('GET', '/v1/signing-keys')).body.keys[0];
    const pem = await fetch(`${service.url}/v1/signing-keys/vendor.pem`);
    expect(pem.status).toBe(200);
    expect(pem.headers.get('content-type')).toMatch(/^application\/x-pem-file/);
    expect(await pem.text()).toBe(listed?.publicKeyPem);
    // `serve` writes the same file into its data directory and says where.
    const written = join(dir.path, 'vendor.pem');
    expect(readFileSync(written, 'utf8')).toBe(listed?.publicKeyPem);
    expect(service.stderr()).toContain(`its public key, for agents: ${written}`);
    expect(service.stderr()).toContain('seatkeeper agent install --vendor-key vendor.pem');
  });

  it('goes from an account to an activated key the account sees with its server', async () => {
    const account = await call<AccountCreated>('POST', '/v1/accounts', {
      token: staff,
      body: { email: 'Admin@Customer.example', name: 'Customer' },
    });
    expect(account.status).toBe(201);
    const issued = await call<License>('POST', '/v1/licenses', {
      token: staff,
      body: { accountId: account.body.account.id, connections: 10 },
    });
    expect(issued.status).toBe(201);
    expect(issued.body.status).toBe('not_activated');

    const serverId = 'srv_01kax5c1x8b2m4n6p8r0s2t4v6';
    const body = { key: issued.body.key, serverId, fingerprint: machine(1), nonce: 'nonce-0001' };
    const activated = await call('POST', '/v1/activations', { body });
    expect(activated.status).toBe(201);
    expect(activated.body).toMatchObject({ licenseId: issued.body.id, created: true });
    const again = await call('POST', '/v1/activations', { body: { ...body, nonce: 'nonce-0002' } });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    const refreshed = await call('POST', '/v1/activations/refresh', {
      body: { ...body, nonce: 'nonce-0003' },
    });
    expect(refreshed.status).toBe(200);

    const mine = await call<LicenseList>('GET', '/v1/licenses', {
      token: account.body.ownerToken,
    });
    expect(mine.body.licenses).toEqual([
      expect.objectContaining({
        id: issued.body.id,
        status: 'active',
        server: expect.objectContaining({ serverId }),
      }),
    ]);
    const one = await call('GET', `/v1/licenses/${issued.body.id}`, { token: account.body.ownerToken });
    expect(one.status).toBe(200);
    const accountView = await call('GET', `/v1/accounts/${account.body.account.id}`, {
      token: account.body.ownerToken,
    });
    expect(accountView.body).toMatchObject({ email: 'admin@customer.example', name: 'Customer' });
  });

  it('lets an owner add a member who sees the account’s keys', async () => {
    const account = await call<AccountCreated>('POST', '/v1/accounts', {
      token: staff,
      body: { email: 'owner@members.example' },
    });
    await call('POST', '/v1/licenses', {
      token: staff,
      body: { accountId: account.body.account.id, connections: 5, years: 2 },
    });
    const member = await call<NewUser>('POST', `/v1/accounts/${account.body.account.id}/members`, {
      token: account.body.ownerToken,
      body: { email: 'it@members.example' },
    });
    expect(member.status).toBe(201);
    const seen = await call<LicenseList>('GET', '/v1/licenses', { token: member.body.token });
    expect(seen.body.licenses).toEqual([expect.objectContaining({ connections: 5, termYears: 2 })]);
    // The key, to activate servers with; not the invoice's order number, which proves ownership.
    const byOwner = await call<LicenseList>('GET', '/v1/licenses', {
      token: account.body.ownerToken,
    });
    const [owned] = byOwner.body.licenses;
    expect(owned?.orderNumber).toMatch(/^SO-/);
    expect(seen.body.licenses[0]?.key).toBe(owned?.key);
    expect(seen.body.licenses[0]?.orderNumber).toBeNull();
    const one = await call<License>('GET', `/v1/licenses/${owned?.id}`, { token: member.body.token });
    expect([one.status, one.body.orderNumber]).toEqual([200, null]);
  });
});
