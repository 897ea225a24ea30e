import { afterEach, beforeEach } from 'vitest';
import { activate } from '../../src/service/activation/operations.js';
import { auditTrail } from '../../src/service/audit/log.js';
import type { ServiceContext } from '../../src/service/context.js';
import { findLicense, type LicenseView } from '../../src/service/licenses/operations.js';
import type { Engine } from '../../src/service/store/database.js';
import { ManualClock } from './clock.js';
import { testContext } from './engines.js';
import { machine, nonce } from './factories.js';

/** The key lifecycle's store tests: a fresh store and clock for each test, and what they look at. */
export function keyLifecycleFixture(engine: Engine) {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    ctx = await testContext(engine, clock);
  });
  afterEach(async () => ctx.cleanup());

  return {
    get ctx() {
      return ctx;
    },
    get clock() {
      return clock;
    },
    /** Who makes the changes, for the audit log. */
    actor: 'usr_staff',

    /** Activates `license` on a server and machine of its own, named by `seed`. */
    activated: (license: LicenseView, seed: string) =>
      activate(ctx, {
        key: license.key,
        serverId: `srv_01kax5c1x8b2m4n6p8r0s2t${seed.padStart(3, '0').slice(-3)}`,
        fingerprint: machine(seed),
        nonce: nonce(),
      }),

    /** The key as stored, and its audit trail: what a refusal must leave untouched. */
    snapshot: async (id: string) => ({
      license: await findLicense(ctx, id),
      trail: await auditTrail(ctx, { entityId: id }),
    }),
  };
}
