import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { expectRefusal } from '../../../test/support/results.js';
import { fail, ok } from '../../domain/errors.js';
import type { ServiceContext } from '../context.js';
import type { Database } from './database.js';
import { inTransaction } from './transaction.js';
import { isUniqueViolation, refuseConflict } from './unique.js';

describe.each(ENGINES)('transactions and conflicts on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };

  beforeEach(async () => {
    ctx = await testContext(engine, new ManualClock());
  });
  afterEach(async () => ctx.cleanup());

  const insertAccount = async (db: Database, id: string, email: string) => {
    await db.insertInto('accounts').values({ id, email, name: email, created_at: 0 }).execute();
  };
  const accountIds = async () =>
    (await ctx.store.db.selectFrom('accounts').select('id').orderBy('id').execute()).map((row) => row.id);

  it('rolls back what was written before a refusal', async () => {
    const refused = await inTransaction(ctx.store.db, async (tx) => {
      await insertAccount(tx, 'acc_1', 'one@example.com');
      return fail('validation_failed', 'changed my mind');
    });
    expectRefusal(refused, 'validation_failed');
    expect(await accountIds()).toEqual([]);
  });

  it('commits what succeeds, and rolls back what throws', async () => {
    expect(
      await inTransaction(ctx.store.db, async (tx) => ok(await insertAccount(tx, 'acc_1', 'a@x'))),
    ).toEqual(ok(undefined));
    await expect(
      inTransaction(ctx.store.db, async (tx) => {
        await insertAccount(tx, 'acc_2', 'b@x');
        throw new Error('broken');
      }),
    ).rejects.toThrow('broken');
    expect(await accountIds()).toEqual(['acc_1']);
  });

  it('names the column of a unique violation, and maps only that one to a conflict', async () => {
    await insertAccount(ctx.store.db, 'acc_1', 'one@example.com');
    const error = await insertAccount(ctx.store.db, 'acc_2', 'one@example.com').catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(error, 'accounts.email')).toBe(true);
    expect(isUniqueViolation(error, 'accounts.id')).toBe(false);
    const twice = await insertAccount(ctx.store.db, 'acc_1', 'two@example.com').catch((e: unknown) => e);
    expect(isUniqueViolation(twice, 'accounts.id')).toBe(true);
    expect(isUniqueViolation(new Error('not a database error'))).toBe(false);
  });

  it('turns a unique violation inside a transaction into a refusal that leaves nothing written', async () => {
    await insertAccount(ctx.store.db, 'acc_1', 'one@example.com');
    const conflict = await refuseConflict(
      () =>
        inTransaction(ctx.store.db, async (tx) => {
          await insertAccount(tx, 'acc_2', 'two@example.com');
          await insertAccount(tx, 'acc_3', 'one@example.com');
          return ok(undefined);
        }),
      () => fail('email_taken', 'taken', 'email'),
      'accounts.email',
    );
    expect(expectRefusal(conflict, 'email_taken').field).toBe('email');
    expect(await accountIds()).toEqual(['acc_1']);
    // A violation of another column is not that conflict: it stays an error.
    await expect(
      refuseConflict(
        async () => ok(await insertAccount(ctx.store.db, 'acc_1', 'three@example.com')),
        () => fail('email_taken', 'taken'),
        'accounts.email',
      ),
    ).rejects.toThrow();
  });
});
