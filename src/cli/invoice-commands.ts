import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { INVOICE_STATUSES } from '../contract/invoices.js';
import { isId } from '../domain/ids.js';
import { formatAmount } from '../domain/money.js';
import type { Principal } from '../service/auth/principal.js';
import { billingAddressFor, saveBillingAddress } from '../service/invoices/billing-address.js';
import { documentFor } from '../service/invoices/document.js';
import { gapSummary, invoiceGaps } from '../service/invoices/gaps.js';
import { invoiceFor, listInvoices } from '../service/invoices/operations.js';
import { invoiceSeries, isInvoicePrefix } from '../service/invoices/series.js';
import type { BillingAddressView, InvoiceView } from '../service/invoices/views.js';
import { registerInvoiceSettleCommands } from './invoice-settle-commands.js';
import { CliError, EXIT, orExit, print, printJson, table } from './output.js';
import {
  type ActingFlags,
  accountFilter,
  actingOption,
  dataOption,
  oneOf,
  operatorOf,
  type StoreFlags,
  usageError,
  withContext,
} from './store-access.js';

/** The command line reads as vendor staff. */
const OPERATOR: Principal = { kind: 'staff', userId: 'operator' };

/** Minor units as a decimal amount with its currency: `142.80 EUR`. */

function printInvoices(invoices: InvoiceView[]): void {
  if (invoices.length === 0) {
    print('No invoices.');
    return;
  }
  print(
    table(
      ['ID', 'NUMBER', 'ACCOUNT', 'STATUS', 'TOTAL', 'FINALIZED', 'DUE'],
      invoices.map((invoice) => [
        invoice.id,
        invoice.number ?? '-',
        invoice.accountId,
        invoice.status,
        formatAmount(invoice.total, invoice.currency),
        invoice.finalizedAt?.slice(0, 10) ?? '-',
        invoice.dueAt?.slice(0, 10) ?? '-',
      ]),
    ),
  );
}

function addressLines(view: BillingAddressView['billingAddress']): string[] {
  if (view === null) return ['(no billing address)'];
  return [
    view.companyName,
    view.address,
    [view.city, view.state].filter((part) => part !== null).join(', '),
    ...(view.taxInfo === null ? [] : [`Tax: ${view.taxInfo}`]),
    ...(view.phone === null ? [] : [`Phone: ${view.phone}`]),
    ...(view.website === null ? [] : [view.website]),
    ...(view.country === null || view.country === undefined ? [] : [view.country]),
  ];
}

function printInvoice(invoice: InvoiceView): void {
  print(`Invoice ${invoice.number ?? '(draft, not numbered yet)'}  ${invoice.id}  ${invoice.status}`);
  if (invoice.finalizedAt !== null)
    print(`Issued ${invoice.finalizedAt.slice(0, 10)}, due ${invoice.dueAt?.slice(0, 10)}`);
  if (invoice.billedTo !== null) {
    print('Billed To:');
    for (const line of [
      invoice.billedTo.accountName,
      invoice.billedTo.email,
      ...addressLines(invoice.billedTo.address),
    ])
      print(`  ${line}`);
  }
  print();
  print(
    table(
      ['DESCRIPTION', 'QUANTITY', 'UNIT', 'AMOUNT'],
      invoice.lines.map((line) => [
        line.description,
        String(line.quantity),
        formatAmount(line.unitAmount, invoice.currency),
        formatAmount(line.amount, invoice.currency),
      ]),
    ),
  );
  print();
  print(`Subtotal ${formatAmount(invoice.subtotal, invoice.currency)}`);
  print(`Tax      ${formatAmount(invoice.tax, invoice.currency)}`);
  print(`Total    ${formatAmount(invoice.total, invoice.currency)}`);
}

function invoiceId(text: string): string {
  if (!isId(text, 'inv')) throw usageError(`an invoice id looks like inv_...; got "${text}"`);
  return text;
}

/** `seatkeeper invoice ...` and `seatkeeper billing-address ...`, on the service's store. */
export function registerInvoiceCommands(program: Command): void {
  const invoice = program.command('invoice').description('Invoices: numbered when finalized, without gaps');

  dataOption(invoice.command('list').description('Invoices, oldest first'))
    .option('--account <account>', 'account id (acc_...) or registered admin email')
    .option('--status <status>', INVOICE_STATUSES.join(', '))
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { account?: string; status?: string }) => {
      const status =
        flags.status === undefined ? undefined : oneOf('--status', flags.status, INVOICE_STATUSES);
      const invoices = await withContext(flags, async (ctx) => {
        const accountId = await accountFilter(ctx, flags.account);
        const all: InvoiceView[] = [];
        let after: string | undefined;
        do {
          const page = orExit(await listInvoices(ctx, OPERATOR, { accountId, status, after }));
          all.push(...page.invoices);
          after = page.next ?? undefined;
        } while (after !== undefined);
        return all;
      });
      if (flags.json) printJson({ invoices });
      else printInvoices(invoices);
    });

  dataOption(invoice.command('show').description('One invoice as it was issued, Billed To included'))
    .argument('<id>', 'the invoice id (inv_...)')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, flags: StoreFlags) => {
      const shown = await withContext(flags, async (ctx) =>
        orExit(await invoiceFor(ctx, OPERATOR, invoiceId(id))),
      );
      if (flags.json) printJson(shown);
      else printInvoice(shown);
    });

  dataOption(
    invoice
      .command('pdf')
      .description(
        'Write an issued invoice as a PDF file and print its path; a draft has none (finalize it first)',
      ),
  )
    .argument('<id>', 'the invoice id (inv_...)')
    .option(
      '--out <file>',
      'the file to write; <number>.pdf (SK-000001.pdf) in the current directory by default',
    )
    .action(async (id: string, flags: StoreFlags & { out?: string }) => {
      const doc = await withContext(flags, async (ctx) =>
        orExit(await documentFor(ctx, OPERATOR, invoiceId(id))),
      );
      // The PDF writer loads only for this command: every other one starts faster.
      const { MissingFontError, renderInvoicePdf } = await import('../service/invoices/render-pdf.js');
      const pdf = await renderInvoicePdf(doc).catch((error: unknown) => {
        if (error instanceof MissingFontError) throw new CliError(error.message, EXIT.usage, 'font_missing');
        throw error;
      });
      const path = resolve(flags.out ?? doc.fileName);
      try {
        writeFileSync(path, pdf);
      } catch (error) {
        throw new CliError(
          `cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): name a file in a folder you can write with --out`,
          EXIT.usage,
          'cannot_write',
        );
      }
      print(path);
    });

  dataOption(
    invoice
      .command('gaps')
      .description(
        'Check a series for numbers missing between 1 and its counter, or given twice; exit 1 if any',
      ),
  )
    .option('--series <prefix>', 'the series (prefix); SEATKEEPER_INVOICE_PREFIX, or SK-, by default')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { series?: string }) => {
      if (flags.series !== undefined && !isInvoicePrefix(flags.series))
        throw usageError(`--series must be 1 to 12 letters, digits, - or _; got "${flags.series}"`);
      const report = await withContext(flags, (ctx) =>
        invoiceGaps(ctx.store.db, flags.series ?? invoiceSeries(ctx)),
      );
      if (flags.json) printJson(report);
      else print(gapSummary(report));
      if (report.missing.length + report.duplicates.length + report.beyond.length > 0)
        throw new CliError(gapSummary(report), EXIT.refused, 'invoice_gaps');
    });

  registerInvoiceSettleCommands(invoice);

  const billing = program
    .command('billing-address')
    .description(
      'An account’s billing address: what invoices finalized after it was saved show in Billed To',
    );

  dataOption(billing.command('show').description('The account’s billing address'))
    .requiredOption('--account <account>', 'account id (acc_...) or registered admin email')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { account: string }) => {
      const view = await withContext(flags, async (ctx) => {
        const accountId = (await accountFilter(ctx, flags.account)) ?? flags.account;
        return orExit(await billingAddressFor(ctx, OPERATOR, accountId));
      });
      if (flags.json) printJson(view);
      else for (const line of addressLines(view.billingAddress)) print(line);
    });

  actingOption(
    dataOption(
      billing
        .command('set')
        .description('Save the billing address; invoices already issued keep the one they show'),
    ),
  )
    .requiredOption('--account <account>', 'account id (acc_...) or registered admin email')
    .requiredOption('--company-name <name>', 'company name')
    .requiredOption('--address <address>', 'street address')
    .requiredOption('--city <city>', 'city')
    .option('--state <state>', 'state or province')
    .option('--tax-info <tax>', 'VAT or other tax number')
    .option('--phone <phone>', 'phone number')
    .option('--website <url>', 'company website')
    .option('--country <code>', 'ISO 3166 two-letter country code, such as DE: it picks the tax rate')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        flags: ActingFlags & {
          account: string;
          companyName: string;
          address: string;
          city: string;
          state?: string;
          taxInfo?: string;
          phone?: string;
          website?: string;
          country?: string;
        },
      ) => {
        const { companyName, address, city, state, taxInfo, phone, website, country } = flags;
        const view = await withContext(flags, async (ctx) => {
          const accountId = (await accountFilter(ctx, flags.account)) ?? flags.account;
          const actor: Principal = { kind: 'staff', userId: await operatorOf(ctx, flags) };
          return orExit(
            await saveBillingAddress(ctx, actor, accountId, {
              companyName,
              address,
              city,
              state,
              taxInfo,
              phone,
              website,
              country,
            }),
          );
        });
        if (flags.json) printJson(view);
        else
          print(
            `Saved. Invoices finalized from now on are billed to:\n  ${addressLines(view.billingAddress).join('\n  ')}`,
          );
      },
    );
}
