import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCreated } from '../../src/contract/accounts.js';
import type { ActivationAnswer } from '../../src/contract/activation.js';
import type { License } from '../../src/contract/licenses.js';
import { newId } from '../../src/domain/ids.js';
import { freshStore, type TestStore } from '../support/engines.js';
import { machine } from '../support/factories.js';
import { bootstrapStaff, client } from '../support/http.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

const RACERS = 50;

/** Issues a key, then 50 servers activate it at once, spread over the given service processes. */
async function race(services: ServiceProcess[], staff: string) {
  const call = client(services[0]?.url ?? '');
  const account = await call<AccountCreated>('POST', '/v1/accounts', {
    token: staff,
    body: { email: `race-${Date.now()}@example.com` },
  });
  const issued = await call<License>('POST', '/v1/licenses', {
    token: staff,
    body: { accountId: account.body.account.id, connections: 10 },
  });
  const answers = await Promise.all(
    Array.from({ length: RACERS }, (_, i) =>
      client(services[i % services.length]?.url ?? '')('POST', '/v1/activations', {
        body: {
          key: issued.body.key,
          serverId: newId('srv', Date.now() + i),
          fingerprint: machine(i),
          nonce: `race-nonce-${i}`,
        },
      }),
    ),
  );
  const license = await call<License>('GET', `/v1/licenses/${issued.body.id}`, { token: staff });
  return { answers, license: license.body };
}

function expectOneWinner(result: Awaited<ReturnType<typeof race>>): void {
  const statuses = result.answers.map((answer) => answer.status);
  expect(statuses.filter((status) => status === 201)).toHaveLength(1);
  const losers = result.answers.filter((answer) => answer.status !== 201);
  expect(losers).toHaveLength(RACERS - 1);
  for (const loser of losers) expect([loser.status, loser.body.code]).toEqual([409, 'key_already_activated']);
  const winner = result.answers.find((answer) => answer.status === 201)?.body as ActivationAnswer;
  expect(result.license.status).toBe('active');
  expect(winner.certificate.payload.serverId).toBe(result.license.server?.serverId);
}

describe('50 servers racing to activate one key', () => {
  describe('on SQLite, one service process', () => {
    let store: TestStore;
    let service: ServiceProcess;
    let staff: string;

    beforeAll(async () => {
      store = await freshStore('sqlite');
      service = await startService({ dataDir: store.dataDir });
      staff = await bootstrapStaff(service);
    });
    afterAll(async () => {
      await service?.stop();
      await store?.cleanup();
    });

    it('has exactly one winner', async () => {
      expectOneWinner(await race([service], staff));
    });
  });

  describe.skipIf(!process.env.DATABASE_URL)(
    'on PostgreSQL, two service processes sharing the database',
    () => {
      let store: TestStore;
      let services: ServiceProcess[];
      let staff: string;

      beforeAll(async () => {
        store = await freshStore('postgres');
        // Both start at once on an empty schema: migrations and the vendor key must not race either.
        services = await Promise.all(
          [0, 1].map(() => startService({ dataDir: store.dataDir, databaseUrl: store.databaseUrl })),
        );
        // Two first starts at once print the same bootstrap token.
        const tokens = services.map((service) => /skb_[A-Za-z0-9_-]+/.exec(service.stderr())?.[0]);
        expect(tokens[0]).toMatch(/^skb_/);
        expect(tokens[1]).toBe(tokens[0]);
        const first = services[0];
        if (first === undefined) throw new Error('no service started');
        staff = await bootstrapStaff(first);
      });
      afterAll(async () => {
        await Promise.all((services ?? []).map((service) => service.stop()));
        await store?.cleanup();
      });

      it('both processes serve the same vendor key', async () => {
        const keys = await Promise.all(
          services.map(async (service) => (await client(service.url)('GET', '/v1/signing-keys')).body),
        );
        expect(keys[0]).toEqual(keys[1]);
      });

      it.each([1, 2, 3])('has exactly one winner (round %i)', async () => {
        expectOneWinner(await race(services, staff));
      });
    },
  );
});

if (!process.env.DATABASE_URL)
  process.stderr.write('note: the PostgreSQL race is skipped: DATABASE_URL is not set\n');
