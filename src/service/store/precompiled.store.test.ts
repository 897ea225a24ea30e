import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import type { ServiceContext } from '../context.js';
import { precompiled } from './precompiled.js';

describe.each(ENGINES)('precompiled queries on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };

  beforeEach(async () => {
    ctx = await testContext(engine, new ManualClock());
  });
  afterEach(async () => ctx.cleanup());

  const account = (id: string, email: string) =>
    ctx.store.db.insertInto('accounts').values({ id, email, name: email, created_at: 0 });

  it('runs one compiled query with each call’s arguments, constants kept', async () => {
    await account('acc_00000000000000000000000001', 'one@example.com').execute();
    await account('acc_00000000000000000000000002', 'two@example.com').execute();
    const byEmail = precompiled(
      (db, { email }: { email: string }) =>
        db
          .selectFrom('accounts')
          .select(['id', 'name'])
          .where('email', '=', email)
          .where('created_at', '>=', 0),
      ['email'],
    );
    expect((await byEmail.run(ctx.store.db, { email: 'two@example.com' })).rows).toEqual([
      { id: 'acc_00000000000000000000000002', name: 'two@example.com' },
    ]);
    expect((await byEmail.run(ctx.store.db, { email: 'one@example.com' })).rows).toEqual([
      { id: 'acc_00000000000000000000000001', name: 'one@example.com' },
    ]);
    expect((await byEmail.run(ctx.store.db, { email: 'none@example.com' })).rows).toEqual([]);
  });

  it('refuses an argument that is not a parameter of the query', () => {
    const unused = precompiled(
      (db, _: { email: string }) => db.selectFrom('accounts').select('id'),
      ['email'],
    );
    expect(() => unused.compile(ctx.store.db, { email: 'x@example.com' })).toThrow(/argument email/);
  });
});
