import { afterEach, beforeEach } from 'vitest';
import { DEFAULT_POLICY, type ServiceContext } from '../../src/service/context.js';
import { openContext } from '../../src/service/runtime.js';
import type { Engine } from '../../src/service/store/database.js';
import { ManualClock } from './clock.js';
import { freshStore, type TestStore } from './engines.js';
import { type TestOrganization, testOrganization } from './gateways.js';

export const START = '2026-11-23T12:00:00.000Z';

/**
 * The store tests of a gateway's enrollment and signed statement: a fresh store and clock for each
 * test, an organization of an account of its own, and more service processes on the same store.
 */
export function gatewayStatementStore(engine: Engine) {
  const contexts: ServiceContext[] = [];
  const fixture = {
    store: undefined as unknown as TestStore,
    clock: undefined as unknown as ManualClock,
    ctx: undefined as unknown as ServiceContext,
    org: undefined as unknown as TestOrganization,

    /** Another service process on the same store: its own connections, the same vendor keys. */
    openProcess: async () => {
      const opened = await openContext(
        { ...fixture.store, certificateTtlMs: DEFAULT_POLICY.certificateTtlMs },
        fixture.clock,
      );
      contexts.push(opened);
      return opened;
    },

    /**
     * Where a race runs beside this process: another process on PostgreSQL; this one on SQLite, whose
     * second connection in one Node process would block the thread waiting for a lock the first holds.
     */
    racingProcess: async () => (engine === 'postgres' ? fixture.openProcess() : fixture.ctx),
  };

  beforeEach(async () => {
    fixture.clock = new ManualClock(START);
    fixture.store = await freshStore(engine);
    fixture.ctx = await fixture.openProcess();
    fixture.org = await testOrganization(fixture.ctx);
  });
  afterEach(async () => {
    for (const opened of contexts.splice(0)) await opened.store.close();
    await fixture.store.cleanup();
  });
  return fixture;
}
