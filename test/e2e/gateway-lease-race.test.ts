import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../src/service/context.js';
import { DEFAULT_POLICY } from '../../src/service/context.js';
import { openContext } from '../../src/service/runtime.js';
import type { Engine } from '../../src/service/store/database.js';
import { ManualClock } from '../support/clock.js';
import { ENGINES, freshStore, type TestStore } from '../support/engines.js';
import {
  associatedLicense,
  enrolledCredential,
  registerTestDevice,
  shareWith,
  testOrganization,
} from '../support/gateways.js';
import { client } from '../support/http.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

/**
 * A 150-user license shared by three gateways, each asking two real service processes at once for
 * 100 seats: whatever order the store takes them in, the leases add up to 150 at most and no
 * answer is an error (SQLite: one writer at a time across processes; PostgreSQL: the license's row).
 */
describe.each(ENGINES)(
  'three gateways racing for one shared pool through two service processes on %s',
  (engine: Engine) => {
    let store: TestStore;
    let seeder: ServiceContext;
    let services: ServiceProcess[];
    let licenseId: string;
    let credentials: string[];

    beforeAll(async () => {
      store = await freshStore(engine);
      // The processes read the real clock: the license is associated at the real now.
      seeder = await openContext(
        { ...store, certificateTtlMs: DEFAULT_POLICY.certificateTtlMs },
        new ManualClock(new Date()),
      );
      const org = await testOrganization(seeder);
      const devices = [
        await registerTestDevice(seeder, org, 'a'),
        await registerTestDevice(seeder, org, 'b'),
        await registerTestDevice(seeder, org, 'c'),
      ] as const;
      licenseId = await associatedLicense(seeder, org, devices[0], 'SPC-1YR-150-LIC');
      await shareWith(seeder, org, licenseId, devices[1], devices[2]);
      credentials = [];
      for (const device of devices) credentials.push(await enrolledCredential(seeder, org, device));
      services = await Promise.all(
        [0, 1].map(() => startService({ dataDir: store.dataDir, databaseUrl: store.databaseUrl })),
      );
    });
    afterAll(async () => {
      await Promise.all((services ?? []).map((service) => service.stop()));
      await seeder?.store.close();
      await store?.cleanup();
    });

    const leased = async () => {
      const rows = await seeder.store.db
        .selectFrom('gateway_leases')
        .select('seats')
        .where('license_id', '=', licenseId)
        .where('until', '>', Date.now())
        .execute();
      return rows.reduce((sum, row) => sum + Number(row.seats), 0);
    };

    it.each([1, 2, 3, 4])('leases at most 150 in all, and answers every statement (round %i)', async () => {
      // Each round starts from an empty pool.
      await seeder.store.db.deleteFrom('gateway_leases').where('license_id', '=', licenseId).execute();
      const answers = await Promise.all(
        services.flatMap((service) =>
          credentials.map((credential) =>
            client(service.url)('POST', '/v1/gateways/statement', {
              token: credential,
              body: { connected: 0, wanted: 100 },
            }),
          ),
        ),
      );
      for (const answer of answers) expect(answer.status, answer.text).toBe(200);
      expect(await leased()).toBe(150);
    });
  },
);
