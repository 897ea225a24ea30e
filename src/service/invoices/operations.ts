import { Value } from '@sinclair/typebox/value';
import {
  type BilledTo,
  type InvoiceKind,
  InvoiceLine,
  type InvoiceOrder,
  type InvoiceStatus,
} from '../../contract/invoices.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { roundRatio } from '../../domain/money.js';
import { accountById, hasAccount } from '../accounts/account-repository.js';
import { recordAudit } from '../audit/log.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import type { InvoiceRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { refuseConflict } from '../store/unique.js';
import { billingAccess } from './billing-address.js';
import {
  billingAddressOf,
  insertInvoice,
  invoiceById,
  invoicesWhere,
  moveInvoice,
  takeNextNumber,
} from './invoice-repository.js';
import { issuingAs, type Seller } from './seller.js';
import { addressView, type InvoiceView, invoiceView } from './views.js';

/**
 * Invoices: draft -> open (finalized: numbered, dated, "Billed To" fixed) -> paid, or void (it
 * keeps its number). What an issued invoice shows never changes.
 */

const DAY_MS = 86_400_000;

export const INVOICE_PAGE_MAX = 1000;

export interface DraftInput {
  accountId: string;
  currency: string;
  lines: InvoiceLine[];
  subtotal: number;
  /** `subtotal` x `taxRate`, rounded once (src/domain/tax.ts `invoiceTotals`). */
  tax: number;
  total: number;
  /** The rate `tax` was computed at, in parts per million (19% = 190_000); 0 by default. */
  taxRate?: number | undefined;
  /** An invoice by default. */
  kind?: InvoiceKind | undefined;
  /** The order it bills, printed on it. */
  order?: InvoiceOrder | undefined;
  /** A credit note's: the finalized invoice of the same account it credits. */
  creditsInvoiceId?: string | undefined;
  /** Days from finalization to the due date; 30 by default. */
  netDays?: number | undefined;
  actor: string;
}

const PPM = 1_000_000;

const notFound = (id: string) => fail('invoice_not_found', `There is no invoice ${id}.`, 'id');

/** The caller computes the amounts (prices, tax); they must at least add up. */
function checkAmounts(input: DraftInput): Result<void> {
  if (!/^[A-Z]{3}$/.test(input.currency))
    return fail(
      'validation_failed',
      'currency must be a three-letter ISO 4217 code such as EUR.',
      'currency',
    );
  if (input.lines.length === 0)
    return fail('validation_failed', 'An invoice has at least one line.', 'lines');
  const badLine = input.lines.findIndex((line) => !Value.Check(InvoiceLine, line));
  if (badLine >= 0)
    return fail(
      'validation_failed',
      `Line ${badLine + 1}: a description of one line of text, a quantity from 1 to 1000000 and whole amounts.`,
      'lines',
    );
  const amounts = [
    input.subtotal,
    input.tax,
    input.total,
    ...input.lines.flatMap((l) => [l.unitAmount, l.amount]),
  ];
  if (!amounts.every(Number.isSafeInteger))
    return fail('validation_failed', 'Amounts are whole numbers of minor units (cents).', 'lines');
  const wrong = input.lines.findIndex((line) => line.amount !== line.quantity * line.unitAmount);
  if (wrong >= 0)
    return fail('validation_failed', `Line ${wrong + 1}: amount must be quantity x unitAmount.`, 'lines');
  if (input.lines.reduce((sum, line) => sum + line.amount, 0) !== input.subtotal)
    return fail('validation_failed', 'subtotal must be the sum of the lines’ amounts.', 'subtotal');
  if (input.subtotal + input.tax !== input.total)
    return fail('validation_failed', 'total must be subtotal + tax.', 'total');
  const taxRate = input.taxRate ?? 0;
  if (!Number.isInteger(taxRate) || taxRate < 0 || taxRate > PPM)
    return fail(
      'validation_failed',
      'taxRate is in parts per million, from 0 to 1000000 (19% = 190000).',
      'taxRate',
    );
  // The tax line prints its rate: the amount must be that rate of the subtotal, rounded once. (A
  // credit note's is checked against the invoice it credits: see `creditable`.)
  if (input.kind !== 'credit_note' && input.tax !== taxOf(input.subtotal, taxRate))
    return fail(
      'validation_failed',
      `tax must be subtotal x taxRate rounded once: ${taxOf(input.subtotal, taxRate)}, not ${input.tax}.`,
      'tax',
    );
  const kind = input.kind ?? 'invoice';
  if ((kind === 'credit_note') !== (input.creditsInvoiceId !== undefined))
    return fail(
      'validation_failed',
      kind === 'credit_note'
        ? 'A credit note names the invoice it credits (creditsInvoiceId).'
        : 'Only a credit note names an invoice it credits.',
      'creditsInvoiceId',
    );
  const netDays = input.netDays ?? 30;
  if (!Number.isInteger(netDays) || netDays < 0 || netDays > 365)
    return fail('validation_failed', 'netDays must be a whole number of days from 0 to 365.', 'netDays');
  return ok(undefined);
}

/** A credit note credits an issued invoice of its own account, in that invoice's currency. */
async function creditable(tx: Database, input: DraftInput, id: string): Promise<Result<void>> {
  const credited = await invoiceById(tx, id);
  if (credited === undefined || credited.account_id !== input.accountId)
    return fail('invoice_not_found', `There is no invoice ${id} of this account.`, 'creditsInvoiceId');
  if (credited.status === 'draft' || credited.kind === 'credit_note')
    return fail(
      'validation_failed',
      `A credit note credits an issued invoice; ${id} is ${credited.status === 'draft' ? 'a draft' : 'a credit note'}.`,
      'creditsInvoiceId',
    );
  if (credited.currency !== input.currency)
    return fail(
      'validation_failed',
      `A credit note is in the currency of the invoice it credits (${credited.currency}).`,
      'currency',
    );
  // Its tax is its share of the credited invoice's tax, rounded once over that invoice: each of
  // that invoice's lines can move it by less than a minor unit from its own rounding, and no more.
  const expected = taxOf(input.subtotal, input.taxRate ?? 0);
  const slack = (JSON.parse(credited.lines) as unknown[]).length;
  if (Math.abs(input.tax - expected) > slack)
    return fail(
      'validation_failed',
      `A credit note's tax is its share of the credited invoice's tax: ${input.tax} is too far from ${expected}.`,
      'tax',
    );
  return ok(undefined);
}

const taxOf = (subtotal: number, taxRate: number): number =>
  Number(roundRatio(BigInt(subtotal) * BigInt(taxRate), BigInt(PPM)));

/** A draft invoice for an account: no number yet, and it can still be dropped without a gap. */
export const createDraft = (ctx: ServiceContext, input: DraftInput): Promise<Result<InvoiceView>> =>
  inTransaction(ctx.store.db, (tx) => draftIn(tx, input, ctx.clock.now()));

/** `createDraft` in the caller's transaction (an order's). */
export async function draftIn(tx: Database, input: DraftInput, now: Date): Promise<Result<InvoiceView>> {
  const checked = checkAmounts(input);
  if (!checked.ok) return checked;
  if (!(await hasAccount(tx, input.accountId)))
    return fail('account_not_found', `There is no account ${input.accountId}.`, 'accountId');
  if (input.creditsInvoiceId !== undefined) {
    const credited = await creditable(tx, input, input.creditsInvoiceId);
    if (!credited.ok) return credited;
  }
  const row: InvoiceRow = {
    id: newId('inv', now.getTime()),
    account_id: input.accountId,
    status: 'draft',
    series: null,
    number: null,
    currency: input.currency,
    lines: JSON.stringify(input.lines),
    subtotal: input.subtotal,
    tax: input.tax,
    total: input.total,
    net_days: input.netDays ?? 30,
    billed_to: null,
    created_at: now.getTime(),
    finalized_at: null,
    due_at: null,
    paid_at: null,
    voided_at: null,
    tax_rate: input.taxRate ?? 0,
    kind: input.kind ?? 'invoice',
    credits_invoice_id: input.creditsInvoiceId ?? null,
    issuer: null,
    order_ref: input.order === undefined ? null : JSON.stringify(input.order),
  };
  await insertInvoice(tx, row);
  const view = invoiceView(row);
  await audit(tx, now, input.actor, row, 'drafted', null, view);
  return ok(view);
}

const audit = (
  tx: Database,
  now: Date,
  actor: string,
  row: InvoiceRow,
  action: string,
  before: InvoiceView | null,
  after: InvoiceView,
) =>
  recordAudit(tx, now, [
    { actor, accountId: row.account_id, entity: 'invoice', entityId: row.id, action, before, after },
  ]);

/** "Billed To" as it is now: the account and the billing address its owner saved last. */
async function billedToNow(tx: Database, accountId: string): Promise<BilledTo> {
  const [account, address] = await Promise.all([accountById(tx, accountId), billingAddressOf(tx, accountId)]);
  if (account === undefined) throw new Error(`the account ${accountId} of an invoice is gone`);
  return {
    accountName: account.name,
    email: account.email,
    address: address === undefined ? null : addressView(address),
  };
}

/**
 * Finalizes a draft in the caller's transaction: the draft is taken first (so two finalizations of
 * one draft make one), then the series' next number, then "Billed To" as it is now. For an
 * operation that issues an invoice inside its own transaction (an order); see `finalizeInvoice`.
 */
export async function finalizeIn(
  tx: Database,
  input: { id: string; actor: string; series: string; issuer: Seller },
  now: Date,
): Promise<Result<InvoiceView>> {
  const draft = await moveInvoice(tx, input.id, 'draft', { status: 'draft' });
  if (draft === undefined) {
    const found = await invoiceById(tx, input.id);
    if (found === undefined) return notFound(input.id);
    return fail(
      'invoice_not_draft',
      `The invoice ${input.id} is ${found.status}: it was finalized already.`,
      'id',
    );
  }
  const number = await takeNextNumber(tx, input.series);
  const billedTo = await billedToNow(tx, draft.account_id);
  const finalized = await moveInvoice(tx, input.id, 'draft', {
    status: 'open',
    series: input.series,
    number,
    billed_to: JSON.stringify(billedTo),
    issuer: JSON.stringify(input.issuer),
    finalized_at: now.getTime(),
    due_at: now.getTime() + draft.net_days * DAY_MS,
  });
  if (finalized === undefined) throw new Error(`the draft ${input.id} changed under its own lock`);
  const after = invoiceView(finalized);
  await audit(tx, now, input.actor, finalized, 'finalized', invoiceView(draft), after);
  return ok(after);
}

/**
 * Finalizes a draft in a transaction of its own, numbered in the configured series. A number some
 * invoice has already (a counter set back by hand) is refused, the draft left as it was.
 */
export const finalizeInvoice = (ctx: ServiceContext, input: { id: string; actor: string }) => {
  const issuing = issuingAs(ctx);
  const { series } = issuing;
  return refuseConflict(
    () => inTransaction(ctx.store.db, (tx) => finalizeIn(tx, { ...input, ...issuing }, ctx.clock.now())),
    () =>
      fail(
        'invoice_number_taken',
        `The next number of the series ${series} is taken already: its counter is behind its invoices (see seatkeeper invoice gaps).`,
        'id',
      ),
    'invoices.number',
  );
};

/** open -> paid or void; anything else is refused and changes nothing. */
const settle = (ctx: ServiceContext, input: { id: string; actor: string }, to: 'paid' | 'void') =>
  inTransaction(ctx.store.db, (tx) => settleIn(tx, input, to, ctx.clock.now()));

/** `settle` in the caller's transaction (an order paid or canceled). */
export async function settleIn(
  tx: Database,
  input: { id: string; actor: string },
  to: 'paid' | 'void',
  now: Date,
): Promise<Result<InvoiceView>> {
  // The move comes first: on SQLite the transaction then holds the write lock before it reads.
  const moved = await moveInvoice(
    tx,
    input.id,
    'open',
    to === 'paid' ? { status: 'paid', paid_at: now.getTime() } : { status: 'void', voided_at: now.getTime() },
  );
  if (moved === undefined) {
    const current = await invoiceById(tx, input.id);
    if (current === undefined) return notFound(input.id);
    return fail(
      'invoice_not_open',
      `The invoice ${input.id} is ${current.status}: only an open invoice can be ${to === 'paid' ? 'paid' : 'voided'}.`,
      'id',
    );
  }
  const before = invoiceView({ ...moved, status: 'open', paid_at: null, voided_at: null });
  const after = invoiceView(moved);
  await audit(tx, now, input.actor, moved, to === 'paid' ? 'paid' : 'voided', before, after);
  return ok(after);
}

export const payInvoice = (ctx: ServiceContext, input: { id: string; actor: string }) =>
  settle(ctx, input, 'paid');

/** Voids an open invoice; it keeps its number, so the series has no gap. */
export const voidInvoice = (ctx: ServiceContext, input: { id: string; actor: string }) =>
  settle(ctx, input, 'void');

/** One invoice, for staff or the owner of its account; another account's answers as unknown. */
export async function invoiceFor(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
): Promise<Result<InvoiceView>> {
  const row = await invoiceById(ctx.store.db, id);
  if (row === undefined || (principal.kind === 'account' && principal.accountId !== row.account_id))
    return notFound(id);
  const access = await billingAccess(ctx.store.db, principal, row.account_id);
  return access.ok ? ok(invoiceView(row)) : access;
}

/**
 * A page of invoices, oldest first. Staff: every invoice, or one account's. An owner: the
 * account's own; a member: refused. `next` is there when more may follow.
 */
export async function listInvoices(
  ctx: ServiceContext,
  principal: Principal,
  filter: {
    accountId?: string | undefined;
    status?: InvoiceStatus | undefined;
    after?: string | undefined;
    newestFirst?: boolean | undefined;
    limit?: number | undefined;
  },
): Promise<Result<{ invoices: InvoiceView[]; next: string | null }>> {
  const accountId = principal.kind === 'staff' ? filter.accountId : (filter.accountId ?? principal.accountId);
  if (accountId !== undefined) {
    const access = await billingAccess(ctx.store.db, principal, accountId, 'accountId');
    if (!access.ok) return access;
  }
  const limit = Math.min(filter.limit ?? INVOICE_PAGE_MAX, INVOICE_PAGE_MAX);
  const rows = await invoicesWhere(ctx.store.db, { ...filter, accountId, limit });
  const invoices = rows.map(invoiceView);
  return ok({ invoices, next: invoices.length === limit ? (invoices.at(-1)?.id ?? null) : null });
}
