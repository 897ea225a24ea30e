import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import type { ServiceContext } from '../context.js';
import { CommitBatcher } from './commit-batcher.js';

describe.each(ENGINES)('group commit on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };

  beforeEach(async () => {
    ctx = await testContext(engine, new ManualClock());
  });
  afterEach(async () => ctx.cleanup());

  const insertAccount = (id: string, email: string) => (tx: ServiceContext['store']['db']) =>
    tx
      .insertInto('accounts')
      .values({ id, email, name: email, created_at: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();

  it('settles every caller with its own result, after the shared commit', async () => {
    const batcher = new CommitBatcher(ctx.store.db);
    const ids = Array.from({ length: 20 }, (_, i) => `acc_${String(i).padStart(26, '0')}`);
    const results = await Promise.all(
      ids.map((id, i) => batcher.run(insertAccount(id, `user${i}@example.com`))),
    );
    expect(results.map((row) => row.id)).toEqual(ids);
    expect(await ctx.store.db.selectFrom('accounts').select('id').execute()).toHaveLength(20);
  });

  it('does not let one failing write take the others in its batch down', async () => {
    const batcher = new CommitBatcher(ctx.store.db);
    const outcomes = await Promise.allSettled([
      batcher.run(insertAccount('acc_00000000000000000000000001', 'one@example.com')),
      batcher.run(insertAccount('acc_00000000000000000000000002', 'one@example.com')),
      batcher.run(insertAccount('acc_00000000000000000000000003', 'three@example.com')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const emails = (await ctx.store.db.selectFrom('accounts').select('email').orderBy('email').execute()).map(
      (row) => row.email,
    );
    expect(emails).toEqual(['one@example.com', 'three@example.com']);
  });
});
