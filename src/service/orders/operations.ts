import type { CreateOrder, CreateQuote, Order } from '../../contract/orders.js';
import { requestDigest } from '../../domain/canonical-json.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { newId, newOrderNumber } from '../../domain/ids.js';
import { money } from '../../domain/money.js';
import { billedSubscriptionOf, type OrderItem, priceOrder, type RenewableKey } from '../../domain/order.js';
import { checkOrder, checkPurchaseOrderDetails, type PaymentMethod } from '../../domain/purchase-rules.js';
import type { BillableSubscription } from '../../domain/subscription-billing.js';
import { invoiceTotals } from '../../domain/tax.js';
import { addDays } from '../../domain/terms.js';
import { recordAudit } from '../audit/log.js';
import type { Principal } from '../auth/principal.js';
import { allPriceBooks } from '../catalog/price-book-repository.js';
import type { ServiceContext } from '../context.js';
import { billingAccess } from '../invoices/billing-address.js';
import { draftIn, finalizeIn, settleIn } from '../invoices/operations.js';
import { issuingAs } from '../invoices/seller.js';
import { taxRateOf } from '../invoices/tax-rate.js';
import { readKey } from '../licenses/key-facts.js';
import type { Database } from '../store/database.js';
import type { OrderRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { isUniqueViolation } from '../store/unique.js';
import { payOrderIn } from './confirm.js';
import { orderFor, orderNotFound } from './order-reads.js';
import {
  insertOrder,
  moveOrder,
  orderById,
  orderByIdempotencyKey,
  paymentsOf,
  takeOrder,
} from './order-repository.js';
import { billableSubscriptions, checkTurn } from './subscription-facts.js';
import { orderView } from './views.js';

/**
 * Quote -> order -> payment. A quote prices what the customer asks with today's book and keeps
 * those prices for 30 days; placing it (or ordering straight away) picks how it is paid, checks
 * the purchase rules and issues its invoice. Only the account's owner (and staff) buy.
 */

export const QUOTE_VALID_DAYS = 30;

/** The keys an order renews, as the rules see them; a key of another account is unknown here. */
async function renewableKeys(
  db: Database,
  accountId: string,
  items: readonly OrderItem[],
): Promise<Map<string, RenewableKey>> {
  const keys = new Map<string, RenewableKey>();
  for (const item of items) {
    if (item.type !== 'renewal') continue;
    const known = await readKey(db, item.licenseId);
    if (known.ok && known.value.row.account_id === accountId)
      keys.set(item.licenseId, { ...known.value.facts, hint: known.value.row.key_hint });
  }
  return keys;
}

/**
 * Prices `items` for the account, reading before any transaction: on SQLite a transaction that
 * reads first cannot take the write lock while another process holds it.
 */
export async function priceQuote(
  ctx: ServiceContext,
  input: { accountId: string; items: OrderItem[]; actor: string; digest: string },
  now: Date,
): Promise<Result<{ row: OrderRow; seen: ReadonlyMap<string, BillableSubscription> }>> {
  const db = ctx.store.db;
  const [books, keys, subscriptions, taxRate] = await Promise.all([
    allPriceBooks(db),
    renewableKeys(db, input.accountId, input.items),
    billableSubscriptions(db, input.accountId, input.items, now),
    taxRateOf(ctx, db, input.accountId),
  ]);
  const priced = priceOrder({
    books: books.map((stored) => stored.book),
    items: input.items,
    named: { keys, subscriptions },
    taxRate,
    now,
  });
  if (!priced.ok) return priced;
  const { lines, totals } = priced.value;
  const row: OrderRow = {
    id: newId('ord', now.getTime()),
    number: newOrderNumber(),
    account_id: input.accountId,
    status: 'quote',
    payment_method: null,
    price_book_version: priced.value.priceBookVersion,
    currency: priced.value.currency,
    items: JSON.stringify(input.items),
    lines: JSON.stringify(lines),
    connections: priced.value.connections,
    subtotal: totals.subtotal.amount,
    tax_rate: totals.taxRate,
    tax: totals.tax.amount,
    total: totals.total.amount,
    purchase_order: null,
    invoice_id: null,
    idempotency_key: null,
    request_digest: input.digest,
    fulfilment: null,
    created_by: input.actor,
    created_at: now.getTime(),
    expires_at: addDays(now, QUOTE_VALID_DAYS).getTime(),
    placed_at: null,
    paid_at: null,
    canceled_at: null,
  };
  return ok({ row, seen: subscriptions });
}

/** Stores a priced quote, first thing in its transaction. */
async function storeQuote(tx: Database, row: OrderRow, now: Date): Promise<OrderRow> {
  await insertOrder(tx, row);
  await audit(tx, now, row.created_by, row, 'quoted');
  return row;
}

const audit = (tx: Database, now: Date, actor: string, row: OrderRow, action: string) =>
  recordAudit(tx, now, [
    { actor, accountId: row.account_id, entity: 'order', entityId: row.id, action, after: orderView(row) },
  ]);

/** A quote: priced now, kept at these prices for 30 days, not yet an order anyone pays. */
export async function createQuote(
  ctx: ServiceContext,
  principal: Principal,
  input: CreateQuote,
): Promise<Result<Order>> {
  const access = await billingAccess(ctx.store.db, principal, input.accountId, 'accountId');
  if (!access.ok) return access;
  // A proration is priced by the day it is ordered, and a renewal for the period at hand.
  const billed = input.items.findIndex((item) => billedSubscriptionOf(item) !== undefined);
  if (billed >= 0)
    return fail(
      'validation_failed',
      'A subscription change or renewal is priced on the day it is ordered: order it, without a quote.',
      `items/${billed}`,
    );
  const now = ctx.clock.now();
  const priced = await priceQuote(
    ctx,
    { ...input, actor: principal.userId, digest: requestDigest(input) },
    now,
  );
  if (!priced.ok) return priced;
  const quote = await inTransaction(ctx.store.db, async (tx) =>
    ok(await storeQuote(tx, priced.value.row, now)),
  );
  return quote.ok ? ok(orderView(quote.value)) : quote;
}

interface Placement {
  paymentMethod: PaymentMethod;
  purchaseOrder?: { accountsPayableEmail: string; endUserAccount: string; reference?: string } | undefined;
  idempotencyKey: string;
  digest: string;
  actor: string;
}

/**
 * Places a quote: the purchase rules decide whether it may be paid that way and when (at
 * checkout, or Net 30 for a purchase order), and its invoice is issued with the quote's prices.
 */
async function placeIn(
  tx: Database,
  ctx: ServiceContext,
  quote: OrderRow,
  placement: Placement,
  now: Date,
): Promise<Result<OrderRow>> {
  if (quote.status !== 'quote')
    return fail('order_not_open', `${quote.id} was placed already: it is ${quote.status}.`, 'quoteId');
  if (quote.expires_at <= now.getTime())
    return fail(
      'quote_expired',
      `The quote ${quote.id} expired on ${new Date(quote.expires_at).toISOString()}.`,
      'quoteId',
    );
  const collection = checkOrder(quote.connections, placement.paymentMethod);
  if (!collection.ok) return collection;
  let purchaseOrder: string | null = null;
  if (collection.value.kind === 'net_terms') {
    const details = checkPurchaseOrderDetails({
      accountsPayableEmail: placement.purchaseOrder?.accountsPayableEmail ?? '',
      endUserAccount: placement.purchaseOrder?.endUserAccount ?? '',
    });
    if (!details.ok)
      return { ok: false, error: { ...details.error, field: `purchaseOrder/${details.error.field}` } };
    purchaseOrder = JSON.stringify({ ...placement.purchaseOrder, ...details.value });
  }
  // The quote keeps its prices; its tax follows the billing country the invoice is issued to.
  const taxed = await taxedNow(tx, ctx, quote);
  const draft = await draftIn(
    tx,
    {
      accountId: quote.account_id,
      currency: quote.currency,
      lines: (JSON.parse(quote.lines) as { item: number }[]).map(({ item: _, ...line }) => line) as never,
      subtotal: quote.subtotal,
      tax: taxed.tax,
      total: taxed.total,
      taxRate: taxed.tax_rate,
      order: {
        number: quote.number,
        purchaseOrder: purchaseOrder === null ? null : JSON.parse(purchaseOrder),
      },
      netDays: collection.value.kind === 'net_terms' ? collection.value.netDays : 0,
      actor: placement.actor,
    },
    now,
  );
  if (!draft.ok) return draft;
  const invoice = await finalizeIn(
    tx,
    { id: draft.value.id, actor: placement.actor, ...issuingAs(ctx) },
    now,
  );
  if (!invoice.ok) return invoice;
  const placed = await moveOrder(tx, quote.id, 'quote', {
    status: 'open',
    payment_method: placement.paymentMethod,
    purchase_order: purchaseOrder,
    invoice_id: invoice.value.id,
    placed_at: now.getTime(),
    idempotency_key: placement.idempotencyKey,
    request_digest: placement.digest,
    ...taxed,
  });
  if (placed === undefined) return fail('order_not_open', `${quote.id} was placed already.`, 'quoteId');
  await audit(tx, now, placement.actor, placed, 'placed');
  // Nothing to pay (a scale-down, a renewal its credit covers): it is paid and fulfilled as placed.
  return placed.total === 0 ? payOrderIn(tx, ctx, placed, placement.actor, now) : ok(placed);
}

/** The quote's tax at the rate of the account's billing country now (it may have moved since). */
async function taxedNow(
  tx: Database,
  ctx: ServiceContext,
  quote: OrderRow,
): Promise<Pick<OrderRow, 'tax_rate' | 'tax' | 'total'>> {
  const taxRate = await taxRateOf(ctx, tx, quote.account_id);
  if (taxRate === quote.tax_rate) return { tax_rate: quote.tax_rate, tax: quote.tax, total: quote.total };
  const totals = invoiceTotals([money(quote.subtotal, quote.currency)], taxRate, quote.currency);
  return { tax_rate: taxRate, tax: totals.tax.amount, total: totals.total.amount };
}

/** The answer to a retried request: the order it made, if it was the same request. */
function sameRequest(existing: OrderRow, digest: string): Result<Order> {
  if (existing.request_digest !== digest)
    return fail(
      'idempotency_key_reused',
      `This Idempotency-Key made the order ${existing.number} from a different request: use a new key for a new order.`,
      'idempotency-key',
    );
  return ok(orderView(existing));
}

/**
 * Orders items at today's prices, or places a quote at its own. A retry with the same
 * idempotency key answers with the order the first call made, even when both arrive at once.
 */
export async function createOrder(
  ctx: ServiceContext,
  principal: Principal,
  input: CreateOrder,
  idempotencyKey: string,
): Promise<Result<Order>> {
  const db = ctx.store.db;
  const quote = 'quoteId' in input ? await orderById(db, input.quoteId) : undefined;
  const accountId = 'quoteId' in input ? quote?.account_id : input.accountId;
  if (accountId === undefined) return orderNotFound('quoteId' in input ? input.quoteId : '', 'quoteId');
  const access = await billingAccess(db, principal, accountId, 'accountId');
  if (!access.ok)
    return 'quoteId' in input && access.error.code === 'account_not_found'
      ? orderNotFound(input.quoteId, 'quoteId')
      : access;
  const digest = requestDigest(input);
  const existing = await orderByIdempotencyKey(db, accountId, idempotencyKey);
  if (existing !== undefined) return sameRequest(existing, digest);
  const now = ctx.clock.now();
  const placement = { ...input, idempotencyKey, digest, actor: principal.userId };
  const priced =
    'quoteId' in input
      ? undefined
      : await priceQuote(ctx, { accountId, items: input.items, actor: principal.userId, digest }, now);
  if (priced !== undefined && !priced.ok) return priced;
  try {
    const placed = await inTransaction(db, async (tx) => {
      // Each way in writes first, taking the store's write lock before it reads.
      // The key goes on the row at once: a second call with it waits here for the first to commit.
      if (priced !== undefined) {
        const stored = await storeQuote(tx, { ...priced.value.row, idempotency_key: idempotencyKey }, now);
        const turn = await checkTurn(tx, stored, priced.value.seen);
        return turn.ok ? placeIn(tx, ctx, stored, placement, now) : turn;
      }
      const current = await takeOrder(tx, quote?.id ?? '');
      if (current === undefined) return orderNotFound(quote?.id ?? '', 'quoteId');
      // Placed a moment ago by a call with this same key: answer as it was answered.
      if (current.status !== 'quote' && current.idempotency_key === idempotencyKey) return ok(current);
      return placeIn(tx, ctx, current, placement, now);
    });
    return placed.ok ? sameRequest(placed.value, digest) : placed;
  } catch (error) {
    // The same key at the same moment: the other call's order committed first.
    if (!isUniqueViolation(error, 'orders.idempotency_key')) throw error;
    const winner = await orderByIdempotencyKey(db, accountId, idempotencyKey);
    if (winner === undefined) throw error;
    return sameRequest(winner, digest);
  }
}

/**
 * Cancels a quote or an unpaid order; its invoice is voided and keeps its number. An order with
 * a payment still being completed is refused: the payment may yet succeed.
 */
export async function cancelOrder(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
): Promise<Result<Order>> {
  const found = await orderFor(ctx, principal, id);
  if (!found.ok) return found;
  const now = ctx.clock.now();
  const canceled = await inTransaction(ctx.store.db, async (tx) => {
    const row = (await takeOrder(tx, found.value.id)) ?? found.value;
    if (row.status === 'paid' || row.status === 'canceled')
      return fail('order_not_open', `The order ${row.number} is ${row.status}: it cannot be canceled.`, 'id');
    const payments = await paymentsOf(tx, row.id);
    if (payments.some((payment) => payment.status === 'pending' || payment.status === 'started'))
      return fail(
        'payment_pending',
        `A payment of the order ${row.number} is being completed: wait for it.`,
        'id',
      );
    const moved = await moveOrder(tx, row.id, row.status, { status: 'canceled', canceled_at: now.getTime() });
    if (moved === undefined)
      return fail('order_not_open', `The order ${row.number} changed meanwhile.`, 'id');
    if (row.invoice_id !== null) {
      const voided = await settleIn(tx, { id: row.invoice_id, actor: principal.userId }, 'void', now);
      if (!voided.ok) return voided;
    }
    await audit(tx, now, principal.userId, moved, 'canceled');
    return ok(moved);
  });
  return canceled.ok ? ok(orderView(canceled.value)) : canceled;
}
