import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCreated } from '../../src/contract/accounts.js';
import type { License } from '../../src/contract/licenses.js';
import { newId } from '../../src/domain/ids.js';
import { generateLicenseKey, parseLicenseKey } from '../../src/domain/license-key.js';
import { ManualClock } from '../support/clock.js';
import { freshPostgresSchema, tempDir } from '../support/engines.js';
import { machine, nonce } from '../support/factories.js';
import { bootstrapStaff, type Call, client } from '../support/http.js';
import { startInProcessService } from '../support/in-process-service.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

/** A key never issued whose first two groups are `start`'s (valid check character, so it is looked up). */
function unknownKeyLike(start = generateLicenseKey()): string {
  for (;;) {
    const candidate = `${start.slice(0, 10)}${generateLicenseKey().slice(10)}`;
    if (parseLicenseKey(candidate).ok && candidate !== start) return candidate;
  }
}

const activation = (key: string) => ({
  key,
  serverId: newId('srv', Date.now()),
  fingerprint: machine(nonce()),
  nonce: nonce(),
});

describe('failed credential attempts are limited, against a real service process', () => {
  const dir = tempDir();
  let service: ServiceProcess;
  let call: Call;
  let staff: string;
  let accountId: string;
  const log: string[] = [];

  const issueKey = async (): Promise<string> => {
    const issued = await call<License>('POST', '/v1/licenses', {
      token: staff,
      body: { accountId, connections: 10 },
    });
    expect(issued.status).toBe(201);
    return issued.body.key;
  };

  beforeAll(async () => {
    service = await startService({
      dataDir: dir.path,
      args: [
        '--max-failures-per-address',
        '20',
        '--max-failures-per-prefix',
        '5',
        '--trust-proxy',
        '127.0.0.1',
      ],
    });
    service.child.stdout?.on('data', (chunk: Buffer) => log.push(...chunk.toString().split('\n')));
    call = client(service.url);
    staff = await bootstrapStaff(service);
    const account = await call<AccountCreated>('POST', '/v1/accounts', {
      token: staff,
      body: { email: 'limits@example.com' },
    });
    accountId = account.body.account.id;
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it('refuses an address with 429 and Retry-After after 20 unknown keys, the right key included; another address still activates', async () => {
    const right = await issueKey();
    const from = '198.51.100.1';
    for (let i = 0; i < 20; i++) {
      const wrong = await call('POST', '/v1/activations', { from, body: activation(unknownKeyLike()) });
      expect([wrong.status, wrong.body.code]).toEqual([404, 'license_key_not_found']);
    }
    const refused = await call('POST', '/v1/activations', { from, body: activation(unknownKeyLike()) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'rate_limited', status: 429 });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // The right key is refused too from there, or the answers would still tell right from wrong.
    expect((await call('POST', '/v1/activations', { from, body: activation(right) })).status).toBe(429);

    const elsewhere = await call('POST', '/v1/activations', {
      from: '198.51.100.2',
      body: activation(right),
    });
    expect(elsewhere.status).toBe(201);
  });

  it('refuses keys that begin alike after 5 failures from any addresses, while a key that begins otherwise works', async () => {
    const target = await issueKey();
    const other = await issueKey();
    for (let i = 0; i < 5; i++) {
      const wrong = await call('POST', '/v1/activations', {
        from: `203.0.113.${i + 1}`,
        body: activation(unknownKeyLike(target)),
      });
      expect(wrong.status).toBe(404);
    }
    const fresh = '203.0.113.100';
    const refused = await call('POST', '/v1/activations', {
      from: fresh,
      body: activation(unknownKeyLike(target)),
    });
    expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
    expect((await call('POST', '/v1/activations', { from: fresh, body: activation(target) })).status).toBe(
      429,
    );
    expect((await call('POST', '/v1/activations', { from: fresh, body: activation(other) })).status).toBe(
      201,
    );
  });

  it('counts unknown API tokens, subscription keys and bootstrap tokens as failures too', async () => {
    const from = '192.0.2.7';
    const attempts = [
      () => call('GET', '/v1/licenses', { from, token: `skt_${nonce()}` }),
      () =>
        call('POST', '/v1/heartbeats', {
          from,
          body: {
            key: `sks_${nonce()}${nonce()}${'x'.repeat(11)}`,
            serverId: newId('srv', 1),
            sequence: 1,
            sentAt: Date.now(),
            tunnels: [],
          },
        }),
      () =>
        call('POST', '/v1/staff/bootstrap', {
          from,
          body: { token: `skb_${nonce()}`, email: 'x@example.com' },
        }),
      () =>
        call('POST', '/v1/subscriptions/activations', {
          from,
          body: {
            key: `sks_${nonce()}${nonce()}${'y'.repeat(11)}`,
            serverId: newId('srv', 2),
            fingerprint: machine('z'),
          },
        }),
    ];
    for (let i = 0; i < 20; i++) {
      const answer = await (attempts[i % attempts.length] as () => ReturnType<Call>)();
      expect([401, 404]).toContain(answer.status);
    }
    expect((await call('GET', '/v1/licenses', { from, token: staff })).status).toBe(429);
    expect((await call('GET', '/v1/licenses', { token: staff })).status).toBe(200);
  });

  it('does not count successful requests: many right keys from one address are never refused', async () => {
    const from = '192.0.2.50';
    const body = activation(await issueKey());
    expect((await call('POST', '/v1/activations', { from, body })).status).toBe(201);
    for (let i = 0; i < 30; i++) {
      const answer = await call('POST', '/v1/activations/refresh', {
        from,
        body: { ...body, nonce: nonce() },
      });
      expect(answer.status, answer.text).toBe(200);
    }
    const wrong = await call('POST', '/v1/activations', { from, body: activation(unknownKeyLike()) });
    expect(wrong.status).toBe(404);
  });

  it('logs one line when a block starts and none for the attempts it refuses', async () => {
    const from = '192.0.2.99';
    for (let i = 0; i < 20; i++)
      await call('POST', '/v1/activations', { from, body: activation(unknownKeyLike()) });
    for (let i = 0; i < 10; i++) {
      expect(
        (await call('POST', '/v1/activations', { from, body: activation(unknownKeyLike()) })).status,
      ).toBe(429);
    }
    // A request after them, logged once answered: every line before it has been written.
    const marker = nonce();
    await call('GET', `/healthz?after=${marker}`);
    await expect.poll(() => log.some((line) => line.includes(marker))).toBe(true);
    const lines = log.filter((line) => line.includes('192.0.2.99')).map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.msg.startsWith('too many failed credential attempts'))).toHaveLength(
      1,
    );
    expect(lines.filter((line) => line.res?.statusCode === 429)).toEqual([]);
    expect(lines.filter((line) => line.res?.statusCode === 404)).toHaveLength(20);
  });
});

describe('a block ends with its window', () => {
  it('answers wrong keys again once the window has passed on the service clock, and counts them afresh', async () => {
    const clock = new ManualClock();
    const windowMs = 60_000;
    const service = await startInProcessService(clock, 'sqlite', {
      failureLimits: { perAddress: 3, perPrefix: 100, windowMs },
    });
    try {
      const call = client(service.url);
      const attempt = async () =>
        (await call('POST', '/v1/activations', { body: activation(unknownKeyLike()) })).status;
      expect([await attempt(), await attempt(), await attempt(), await attempt()]).toEqual([
        404, 404, 404, 429,
      ]);
      clock.advance(windowMs - 1);
      expect(await attempt()).toBe(429);
      clock.advance(1);
      expect([await attempt(), await attempt(), await attempt(), await attempt()]).toEqual([
        404, 404, 404, 429,
      ]);
    } finally {
      await service.close();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)('two service instances on one PostgreSQL', () => {
  it('share the count of failed attempts: an instance refuses once the failures at both reach the limit', async () => {
    const dir = tempDir();
    const schema = await freshPostgresSchema();
    const args = ['--max-failures-per-address', '6', '--max-failures-per-prefix', '100'];
    // One after the other: the first migrates the schema and makes the vendor keys the second shares.
    const a = await startService({ dataDir: dir.path, databaseUrl: schema.url, args });
    const b = await startService({ dataDir: dir.path, databaseUrl: schema.url, args });
    try {
      const attempt = async (service: ServiceProcess) =>
        (await client(service.url)('POST', '/v1/activations', { body: activation(unknownKeyLike()) })).status;
      for (let i = 0; i < 3; i++) expect([await attempt(a), await attempt(b)]).toEqual([404, 404]);
      // The sixth failure, at b, started the block there.
      expect(await attempt(b)).toBe(429);
      // a counted only three itself: alone it would allow three more. Its next failure brings it the
      // shared count, and from then on it refuses too.
      expect([await attempt(a), await attempt(a)]).toEqual([404, 429]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await schema.drop();
      dir.remove();
    }
  });
});
