import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import type { ServiceContext } from '../context.js';
import { forgetEndedWindows, recordFailures } from './failed-attempts.js';

const WINDOW = 60_000;
const NOW = Date.parse('2026-11-29T12:00:00Z');

describe.each(ENGINES)('failed attempts counted in the store on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };

  beforeEach(async () => {
    ctx = await testContext(engine, new ManualClock());
  });
  afterEach(async () => ctx.cleanup());

  const countOf = async (key: string, now: number) => {
    const [count] = await recordFailures(ctx.store.db, [key], now, WINDOW);
    return count;
  };

  it('counts each key within its window and starts a new window once it has ended', async () => {
    expect(await recordFailures(ctx.store.db, ['a:192.0.2.1', 'p:ABCD1234'], NOW, WINDOW)).toEqual(
      expect.arrayContaining([
        { key: 'a:192.0.2.1', failures: 1, windowEndsAt: NOW + WINDOW },
        { key: 'p:ABCD1234', failures: 1, windowEndsAt: NOW + WINDOW },
      ]),
    );
    expect(await countOf('a:192.0.2.1', NOW + 1000)).toEqual({
      key: 'a:192.0.2.1',
      failures: 2,
      windowEndsAt: NOW + WINDOW,
    });
    expect(await countOf('a:192.0.2.1', NOW + WINDOW - 1)).toMatchObject({ failures: 3 });
    expect(await countOf('a:192.0.2.1', NOW + WINDOW)).toEqual({
      key: 'a:192.0.2.1',
      failures: 1,
      windowEndsAt: NOW + 2 * WINDOW,
    });
  });

  it('keeps only digests: no address or part of a key is stored', async () => {
    await recordFailures(ctx.store.db, ['a:192.0.2.1', 'p:ABCD1234'], NOW, WINDOW);
    // Every column, on purpose: whatever is added to the table must not hold them either.
    const stored = JSON.stringify(await ctx.store.db.selectFrom('failed_attempts').selectAll().execute());
    expect(stored).not.toContain('192.0.2.1');
    expect(stored).not.toContain('ABCD1234');
  });

  it('counts every one of many failures recorded at once (on PostgreSQL through several connections)', async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        recordFailures(ctx.store.db, ['a:192.0.2.1', `p:KEY${i % 3}`], NOW, WINDOW),
      ),
    );
    expect(await countOf('a:192.0.2.1', NOW)).toMatchObject({ failures: 31 });
    expect(await countOf('p:KEY0', NOW)).toMatchObject({ failures: 11 });
  });

  it('forgets the counts of windows that have ended, and only those', async () => {
    await countOf('a:192.0.2.1', NOW);
    await countOf('a:192.0.2.2', NOW + WINDOW);
    await forgetEndedWindows(ctx.store.db, NOW + WINDOW);
    expect(await ctx.store.db.selectFrom('failed_attempts').select('window_ends_at').execute()).toEqual([
      { window_ends_at: NOW + 2 * WINDOW },
    ]);
  });
});
