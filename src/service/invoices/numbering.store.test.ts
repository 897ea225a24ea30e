import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import {
  billedAccount,
  draftFor,
  finalizeThenRollBack,
  othersBlockedBy,
} from '../../../test/support/invoices.js';
import { findGaps, gapSummary, invoiceGaps } from './gaps.js';
import { finalizeInvoice } from './operations.js';

const FINALIZATIONS = 50;
const by = (id: string) => ({ id, actor: 'usr_staff' });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('findGaps', () => {
  it('names missing numbers, numbers given twice and numbers above the counter', () => {
    expect(findGaps('SK-', 0, [])).toEqual({
      series: 'SK-',
      lastNumber: 0,
      missing: [],
      duplicates: [],
      beyond: [],
    });
    expect(findGaps('SK-', 3, [1, 2, 3])).toMatchObject({ missing: [], duplicates: [], beyond: [] });
    expect(findGaps('SK-', 7, [2, 3, 3, 3, 5, 9])).toEqual({
      series: 'SK-',
      lastNumber: 7,
      missing: [1, 4, 6, 7],
      duplicates: [3],
      beyond: [9],
    });
    expect(gapSummary(findGaps('SK-', 7, [2, 3, 3, 3, 5, 9]))).toBe(
      'Series SK-: missing 1, 4, 6, 7; given twice 3; above the counter (7) 9.',
    );
    expect(gapSummary(findGaps('SK-', 2, [1, 2]))).toBe(
      'Series SK-: numbers 1 to 2 are all there, each once.',
    );
  });
});

describe.each(ENGINES)('invoice numbers on %s', (engine) => {
  let ctx: Awaited<ReturnType<typeof testContext>>;

  beforeEach(async () => {
    ctx = await testContext(engine, new ManualClock('2026-11-30T12:00:00.000Z'));
  });
  afterEach(async () => ctx.cleanup());

  it(`stay 1..${FINALIZATIONS - 1}, with no gap and no duplicate, when ${FINALIZATIONS} finalize at once and one rolls back after taking its number`, async () => {
    const { accountId } = await billedAccount(ctx);
    const drafts = [];
    for (let i = 0; i < FINALIZATIONS; i++) drafts.push(await draftFor(ctx, accountId));
    const [doomed, ...others] = drafts;
    if (doomed === undefined) throw new Error('no drafts');

    let racing: Promise<Awaited<ReturnType<typeof finalizeInvoice>>[]> | undefined;
    const givenBack = await finalizeThenRollBack(ctx, doomed.id, async (tx) => {
      // The others start while the doomed one holds number 1, and wait for it.
      racing = Promise.all(others.map((draft) => finalizeInvoice(ctx, by(draft.id))));
      await othersBlockedBy(ctx.location.databaseUrl, tx, 1);
    });
    const results = (await racing) ?? [];
    expect(givenBack).toBe(1);
    expect(results.every((result) => result.ok)).toBe(true);
    const numbers = results.flatMap((result) =>
      result.ok && result.value.sequence !== null ? [result.value.sequence] : [],
    );
    expect(numbers.toSorted((a, b) => a - b)).toEqual(range(1, FINALIZATIONS - 1));
    expect(await invoiceGaps(ctx.store.db, 'SK-')).toEqual({
      series: 'SK-',
      lastNumber: FINALIZATIONS - 1,
      missing: [],
      duplicates: [],
      beyond: [],
    });
    const doomedNow = await ctx.store.db
      .selectFrom('invoices')
      .select(['status', 'number'])
      .where('id', '=', doomed.id)
      .executeTakeFirstOrThrow();
    expect(doomedNow).toEqual({ status: 'draft', number: null });
    // The rolled-back finalization left no audit entry either.
    const entries = await ctx.store.db
      .selectFrom('audit_log')
      .select('id')
      .where('entity_id', '=', doomed.id)
      .where('action', '=', 'finalized')
      .execute();
    expect(entries).toEqual([]);
    // Finalized later, the draft takes the next number: the series goes on without a hole.
    expect(await finalizeInvoice(ctx, by(doomed.id))).toMatchObject({
      ok: true,
      value: { sequence: FINALIZATIONS },
    });
  });

  it('reports a gap made by hand, and a number above the counter', async () => {
    const { accountId } = await billedAccount(ctx);
    const ids = [];
    for (let i = 0; i < 4; i++) {
      const draft = await draftFor(ctx, accountId);
      await finalizeInvoice(ctx, by(draft.id));
      ids.push(draft.id);
    }
    expect(await invoiceGaps(ctx.store.db, 'SK-')).toMatchObject({ lastNumber: 4, missing: [], beyond: [] });
    await ctx.store.db.deleteFrom('invoices').where('number', '=', 2).execute();
    await ctx.store.db.updateTable('invoices').set({ number: 9 }).where('number', '=', 4).execute();
    expect(await invoiceGaps(ctx.store.db, 'SK-')).toEqual({
      series: 'SK-',
      lastNumber: 4,
      missing: [2, 4],
      duplicates: [],
      beyond: [9],
    });
  });

  it('refuses to finalize, leaving the draft, when the counter was set back by hand below its invoices', async () => {
    const { accountId } = await billedAccount(ctx);
    for (let i = 0; i < 2; i++) await finalizeInvoice(ctx, by((await draftFor(ctx, accountId)).id));
    await ctx.store.db.updateTable('invoice_series').set({ last_number: 1 }).execute();
    const draft = await draftFor(ctx, accountId);
    expect(await finalizeInvoice(ctx, by(draft.id))).toMatchObject({
      ok: false,
      error: { code: 'invoice_number_taken', field: 'id' },
    });
    expect(await invoiceGaps(ctx.store.db, 'SK-')).toMatchObject({ lastNumber: 1, beyond: [2] });
    const left = await ctx.store.db
      .selectFrom('invoices')
      .select('status')
      .where('id', '=', draft.id)
      .executeTakeFirst();
    expect(left).toEqual({ status: 'draft' });
  });

  it('refuses a second number for one invoice, whatever the code does: the index is unique', async () => {
    const { accountId } = await billedAccount(ctx);
    for (let i = 0; i < 2; i++) await finalizeInvoice(ctx, by((await draftFor(ctx, accountId)).id));
    await expect(
      ctx.store.db.updateTable('invoices').set({ number: 1 }).where('number', '=', 2).execute(),
    ).rejects.toThrow(/unique|duplicate/i);
  });
});
