import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/domain/clock.js';
import { createAccount } from '../src/service/accounts/operations.js';
import { createStaff } from '../src/service/auth/staff.js';
import type { Engine } from '../src/service/store/database.js';
import { insertKeys } from '../test/support/factories.js';
import { startInProcessService } from '../test/support/in-process-service.js';
import { pageRoutes } from '../test/support/served-routes.js';
import { FormClient, givePassword } from '../test/support/web.js';
import { emit, percentile, progress, round, skip } from './support.js';

const KEYS = 1000;
const SAMPLES = 100;
const WARM_UP = 10;

/** Every page a GET opens, its `{id}` filled where the bench has one (the account's). */
const pagePaths = (tree: string, accountId: string): string[] =>
  pageRoutes(tree)
    .filter(
      (route) =>
        route.startsWith('GET /') &&
        !/^GET \/(sign-in|password|welcome)?$|^GET \/(password|welcome)\//.test(route),
    )
    .map((route) => route.slice(4).replace('/console/accounts/{id}', `/console/accounts/${accountId}`))
    .filter((path) => !path.includes('{'));

/**
 * Every page as its visitor opens it, the account holding 1,000 keys: the service's answer time
 * (request sent to last byte read), one page at a time, from a signed-in owner or staff user.
 */
async function pagesOn(engine: Engine): Promise<void> {
  const service = await startInProcessService(systemClock, engine);
  try {
    const { ctx } = service;
    const created = await createAccount(ctx, { email: 'bench-owner@example.com', name: 'Bench Corp' });
    if (!created.ok) throw new Error(created.error.detail);
    const accountId = created.value.account.id;
    await insertKeys(ctx, KEYS, () => ({ accountId, purchasedAt: ctx.clock.now() }));
    await givePassword(ctx, 'bench-owner@example.com');
    const staff = await createStaff(ctx, 'bench-staff@vendor.example');
    if (!staff.ok) throw new Error(staff.error.detail);
    await givePassword(ctx, 'bench-staff@vendor.example');
    const owner = new FormClient(service.url);
    await owner.signIn('bench-owner@example.com');
    const staffer = new FormClient(service.url);
    await staffer.signIn('bench-staff@vendor.example');

    for (const path of pagePaths(service.app.printRoutes({ commonPrefix: false }), accountId)) {
      const browser = path.startsWith('/console') ? staffer : owner;
      const first = await browser.get(path);
      // A path that only sends its visitor on (a form's address opened by hand) is not a page.
      if (first.status === 303) continue;
      if (first.status !== 200) throw new Error(`${path} answered ${first.status}`);
      for (let i = 0; i < WARM_UP; i++) await browser.get(path);
      const times = new Float64Array(SAMPLES);
      for (let i = 0; i < SAMPLES; i++) {
        const began = performance.now();
        await browser.get(path);
        times[i] = performance.now() - began;
      }
      times.sort();
      emit(
        `page_p95_ms_${engine}${path.replace(/\/acc_\w+/, '/{id}').replace(/\//g, '_')}`,
        round(percentile(times, 0.95), 2),
        'ms',
        {
          p50_ms: round(percentile(times, 0.5), 2),
          samples: SAMPLES,
          keys_in_account: KEYS,
          bytes: first.html.length,
        },
      );
    }
  } finally {
    await service.close();
  }
}

export async function benchPages(): Promise<void> {
  progress(`pages, an account with ${KEYS} keys, SQLite`);
  await pagesOn('sqlite');
  if (process.env.DATABASE_URL === undefined) {
    skip(['page_p95_ms_postgres'], 'DATABASE_URL is not set');
    return;
  }
  progress(`pages, an account with ${KEYS} keys, PostgreSQL`);
  await pagesOn('postgres');
}
