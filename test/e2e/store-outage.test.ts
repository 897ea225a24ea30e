import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/service/app.js';
import { DEFAULT_POLICY } from '../../src/service/context.js';
import { createTestProvider } from '../../src/service/payments/test-provider.js';
import { loadOrCreateVendorKeys } from '../../src/service/secrets/vendor-keys.js';
import { CommitBatcher } from '../../src/service/store/commit-batcher.js';
import { openStore, type Store } from '../../src/service/store/database.js';
import { ManualClock } from '../support/clock.js';
import { tempDir } from '../support/engines.js';
import { machine } from '../support/factories.js';
import { type Call, client } from '../support/http.js';

describe('a service whose store does not answer', () => {
  const dir = tempDir();
  let store: Store;
  let close: () => Promise<void>;
  let call: Call;

  beforeAll(async () => {
    // Nothing listens on port 1: every query fails to connect.
    store = openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', sqlitePath: '' });
    const app = await createApp({
      store,
      clock: new ManualClock(),
      vendor: loadOrCreateVendorKeys(dir.path),
      policy: DEFAULT_POLICY,
      batch: new CommitBatcher(store.db),
      payments: createTestProvider(),
      logger: pino({ level: 'silent' }),
    });
    call = client(await app.listen({ host: '127.0.0.1', port: 0 }));
    close = async () => {
      await app.close();
      await store.close();
    };
  });
  afterAll(async () => {
    await close();
    dir.remove();
  });

  it('answers 503 service_unavailable, never 500, and says to try again', async () => {
    const health = await call('GET', '/healthz');
    expect([health.status, health.body.code]).toEqual([503, 'service_unavailable']);
    const activation = await call('POST', '/v1/activations', {
      body: {
        key: '0000-0000-0000-0000-0000',
        serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t4v6',
        fingerprint: machine(1),
        nonce: 'outage-nonce',
      },
    });
    expect([activation.status, activation.body.code]).toEqual([503, 'service_unavailable']);
    expect(activation.body.detail).toContain('try again');
    const listing = await call('GET', '/v1/licenses', { token: 'skt_anything' });
    expect(listing.status).toBe(503);
  });
});
