import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AccountBillingAddress,
  Invoice,
  InvoiceGaps,
  InvoicePage,
} from '../../src/contract/invoices.js';
import { systemClock } from '../../src/domain/clock.js';
import { finalizeInvoice } from '../../src/service/invoices/operations.js';
import { openContext } from '../../src/service/runtime.js';
import { tempDir } from '../support/engines.js';
import { billedAccount, draftFor } from '../support/invoices.js';
import { pdfText, pdftotextAvailable } from '../support/pdf-text.js';
import { seatkeeper } from '../support/service-process.js';

/** The invoice and billing-address commands on a store that holds three issued invoices and a draft. */
describe('seatkeeper invoice and billing-address', () => {
  const dir = tempDir();
  const cli = (args: string[]) =>
    seatkeeper([...args, '--data', dir.path], { env: { SEATKEEPER_OPERATOR: '' } });
  let accountId: string;
  let draftId: string;
  const issued: string[] = [];

  beforeAll(async () => {
    const ctx = await openContext(
      { dataDir: dir.path, databaseUrl: undefined, certificateTtlMs: 86_400_000 },
      systemClock,
    );
    try {
      accountId = (await billedAccount(ctx, 'Acme GmbH')).accountId;
      for (let i = 0; i < 3; i++) {
        const draft = await draftFor(ctx, accountId);
        const finalized = await finalizeInvoice(ctx, { id: draft.id, actor: 'usr_staff' });
        if (!finalized.ok) throw new Error(finalized.error.detail);
        issued.push(draft.id);
      }
      draftId = (await draftFor(ctx, accountId)).id;
    } finally {
      await ctx.store.close();
    }
  });
  afterAll(() => dir.remove());

  it('lists invoices, as a table and as JSON, by account and status', async () => {
    const listed = await cli(['invoice', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+NUMBER\s+ACCOUNT\s+STATUS\s+TOTAL/);
    expect(listed.stdout).toContain('SK-000003');
    expect(listed.stdout).toContain('€142.80');
    const drafts = await cli(['invoice', 'list', '--account', accountId, '--status', 'draft', '--json']);
    expect((JSON.parse(drafts.stdout) as InvoicePage).invoices.map((invoice) => invoice.id)).toEqual([
      draftId,
    ]);
    const wrong = await cli(['invoice', 'list', '--status', 'unpaid']);
    expect([wrong.code, wrong.stderr]).toEqual([
      2,
      expect.stringContaining('--status must be one of draft, open, paid, void'),
    ]);
  });

  it('shows one invoice with its lines, totals and Billed To', async () => {
    const shown = await cli(['invoice', 'show', issued[0] ?? '']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Invoice SK-000001');
    expect(shown.stdout).toContain('Billed To:\n  Acme GmbH');
    expect(shown.stdout).toContain('Total    €142.80');
    const json = await cli(['invoice', 'show', issued[0] ?? '', '--json']);
    expect(JSON.parse(json.stdout) as Invoice).toMatchObject({ number: 'SK-000001', status: 'open' });
    const unknown = await cli(['invoice', 'show', 'inv_0000000000aaaaaaaaaaaaaaaa']);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('There is no invoice')]);
    const malformed = await cli(['invoice', 'show', 'SK-000001']);
    expect([malformed.code, malformed.stderr]).toEqual([
      2,
      expect.stringContaining('an invoice id looks like inv_'),
    ]);
  });

  it('saves a billing address that invoices issued before do not show', async () => {
    const set = await cli([
      'billing-address',
      'set',
      ...['--account', accountId, '--company-name', 'Acme GmbH', '--address', 'Hauptstraße 1'],
      ...['--city', 'Łódź', '--tax-info', 'PL1234567890', '--json'],
    ]);
    expect(set.code).toBe(0);
    const shown = await cli(['billing-address', 'show', '--account', accountId, '--json']);
    expect(JSON.parse(shown.stdout) as AccountBillingAddress).toMatchObject({
      accountId,
      billingAddress: { city: 'Łódź', taxInfo: 'PL1234567890', phone: null },
    });
    const text = await cli(['billing-address', 'show', '--account', accountId]);
    expect(text.stdout).toBe('Acme GmbH\nHauptstraße 1\nŁódź\nTax: PL1234567890\n');
    const old = JSON.parse((await cli(['invoice', 'show', issued[0] ?? '', '--json'])).stdout) as Invoice;
    expect(old.billedTo?.address).toBeNull();
  });

  it('writes an issued invoice as a PDF, SK-000002.pdf in the current folder or where --out says', async () => {
    const out = tempDir();
    try {
      const written = await seatkeeper(['invoice', 'pdf', issued[1] ?? '', '--data', dir.path], {
        cwd: out.path,
        env: { SEATKEEPER_OPERATOR: '' },
      });
      expect([written.code, written.stderr]).toEqual([0, '']);
      expect(written.stdout).toBe(`${join(out.path, 'SK-000002.pdf')}\n`);
      expect(readFileSync(join(out.path, 'SK-000002.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
      const named = join(out.path, 'copy.pdf');
      const elsewhere = await cli(['invoice', 'pdf', issued[1] ?? '', '--out', named]);
      expect([elsewhere.code, elsewhere.stdout]).toEqual([0, `${named}\n`]);
      expect(readFileSync(named).subarray(0, 5).toString()).toBe('%PDF-');
      // Issued with no bank details configured: it says so, as it did when it was issued.
      if (pdftotextAvailable().available)
        expect(pdfText(readFileSync(named))).toContain('Bank wire and ACH details are available from');
      const noFolder = await cli([
        'invoice',
        'pdf',
        issued[1] ?? '',
        '--out',
        join(out.path, 'no/such/x.pdf'),
      ]);
      expect([noFolder.code, noFolder.stderr]).toEqual([2, expect.stringContaining('(cannot_write)')]);
    } finally {
      out.remove();
    }
  });

  it('writes no PDF of a draft or of an unknown invoice, and says why with the code', async () => {
    const draft = await cli(['invoice', 'pdf', draftId]);
    expect([draft.code, draft.stdout]).toEqual([1, '']);
    expect(draft.stderr).toMatch(/finalize it first.*\(invoice_is_draft\)/);
    const unknown = await cli(['invoice', 'pdf', 'inv_0000000000aaaaaaaaaaaaaaaa']);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('(invoice_not_found)')]);
    const malformed = await cli(['invoice', 'pdf', 'SK-000001']);
    expect([malformed.code, malformed.stderr]).toEqual([
      2,
      expect.stringContaining('an invoice id looks like inv_'),
    ]);
  });

  it('saves a billing country in capitals, and refuses one that is not', async () => {
    const base = ['billing-address', 'set', '--account', accountId, '--company-name', 'Acme GmbH'];
    const address = [...base, '--address', 'Hauptstraße 1', '--city', 'Łódź'];
    const set = await cli([...address, '--country', 'PL', '--json']);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout) as AccountBillingAddress).toMatchObject({
      billingAddress: { country: 'PL' },
    });
    const lower = await cli([...address, '--country', 'pl']);
    expect([lower.code, lower.stderr]).toEqual([
      2,
      expect.stringContaining('country must be a two-letter ISO 3166 code'),
    ]);
  });

  it('finds no gap in a whole series, and exits 1 naming the hole once one is made by hand', async () => {
    const whole = await cli(['invoice', 'gaps']);
    expect([whole.code, whole.stdout]).toEqual([0, 'Series SK-: numbers 1 to 3 are all there, each once.\n']);
    const SQLite = (await import('better-sqlite3')).default;
    const database = new SQLite(`${dir.path}/seatkeeper.db`);
    database.prepare('delete from invoices where number = 2').run();
    database.close();
    const holed = await cli(['invoice', 'gaps', '--json']);
    expect(holed.code).toBe(1);
    expect(JSON.parse(holed.stdout) as InvoiceGaps).toEqual({
      series: 'SK-',
      lastNumber: 3,
      missing: [2],
      duplicates: [],
      beyond: [],
    });
    expect(holed.stderr).toContain('Series SK-: missing 2.');
    const other = await cli(['invoice', 'gaps', '--series', 'INV-']);
    expect([other.code, other.stdout]).toEqual([0, 'Series INV-: no invoice was numbered in it yet.\n']);
  });

  it('documents its commands', async () => {
    const help = await cli(['invoice', '--help']);
    expect(help.stdout).toMatch(/list[\s\S]*show[\s\S]*gaps/);
    const setHelp = await seatkeeper(['billing-address', 'set', '--help']);
    expect(setHelp.stdout).toContain('--company-name <name>');
    expect(setHelp.stdout).toContain('--country <code>');
    const pdfHelp = await seatkeeper(['invoice', 'pdf', '--help']);
    expect(pdfHelp.stdout).toMatch(/Usage: seatkeeper invoice pdf \[options\] <id>/);
    expect(pdfHelp.stdout).toContain('--out <file>');
    expect(help.stdout).toMatch(/pdf/);
  });
});
