import { fail, ok, type Result } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { money, ratioOf } from '../../domain/money.js';
import type { OrderLine } from '../../domain/order.js';
import { recordAudit } from '../audit/log.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { draftIn, finalizeIn, invoiceFor, settleIn } from '../invoices/operations.js';
import { issuingAs } from '../invoices/seller.js';
import type { InvoiceView } from '../invoices/views.js';
import { licenseById } from '../licenses/license-repository.js';
import { refundIn } from '../licenses/lifecycle.js';
import { findLicense, type LicenseView } from '../licenses/operations.js';
import type { Database } from '../store/database.js';
import type { OrderRow, RefundRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import {
  insertRefund,
  markRefunded,
  orderByNumber,
  paymentById,
  paymentsOf,
  refundedOf,
  refundOfLicense,
} from './order-repository.js';
import { orderItems, orderView } from './views.js';

/**
 * A refund, as the seeds give it: a key never activated, within 30 days of its purchase, "we will
 * make a refund to the original method of purchase and revoke the license key". The key is revoked
 * and a credit note issued in one transaction; the money goes back through the payment's provider
 * once that has committed. A key its order did not sell (issued by staff, or made by a split) is
 * revoked with no money to return.
 */

/** The line of `order` that sold the key `licenseId`, if the order issued it. */
function lineOfKey(order: OrderRow, licenseId: string): OrderLine | undefined {
  const issued = orderView(order).fulfilment?.issuedLicenseIds ?? [];
  const position = issued.indexOf(licenseId);
  if (position < 0) return undefined;
  const keyItems = orderItems(order).flatMap((item, index) => (item.type === 'key' ? [index] : []));
  const lines = JSON.parse(order.lines) as OrderLine[];
  return lines.find((line) => line.item === keyItems[position]);
}

/** Revokes the key and, when a paid order sold it, credits its line; returns the refund to pay out. */
export async function refundKeyIn(
  tx: Database,
  ctx: ServiceContext,
  input: { licenseId: string; actor: string },
  now: Date,
): Promise<Result<{ licenseId: string; refundId: string | null }>> {
  const revoked = await refundIn(tx, input, now);
  if (!revoked.ok) return revoked;
  const key = await licenseById(tx, input.licenseId);
  const order = key?.order_number == null ? undefined : await orderByNumber(tx, key.order_number);
  const payment =
    order === undefined ? undefined : (await paymentsOf(tx, order.id)).find((p) => p.status === 'succeeded');
  const line = order === undefined ? undefined : lineOfKey(order, input.licenseId);
  if (order === undefined || payment === undefined || line === undefined || order.invoice_id === null)
    return ok({ licenseId: input.licenseId, refundId: null });

  const credited = {
    ...line,
    description: `Refund: ${line.description}`,
    unitAmount: -line.unitAmount,
    amount: -line.amount,
  };
  // The order's tax was rounded once over its subtotal: a line's share of it, not its own rounding,
  // so that refunds of every line add up to what was paid, never more.
  const tax = -ratioOf(money(order.tax, order.currency), line.amount, order.subtotal).amount;
  const refunded = await refundedOf(tx, payment.id);
  const total = Math.max(-(payment.amount - refunded), credited.amount + tax);
  const totals = { subtotal: credited.amount, tax: total - credited.amount, total };
  const draft = await draftIn(
    tx,
    {
      accountId: order.account_id,
      currency: order.currency,
      lines: [
        {
          description: credited.description,
          quantity: credited.quantity,
          unitAmount: credited.unitAmount,
          amount: credited.amount,
        },
      ],
      subtotal: totals.subtotal,
      tax: totals.tax,
      total: totals.total,
      taxRate: order.tax_rate,
      kind: 'credit_note',
      creditsInvoiceId: order.invoice_id,
      order: { number: order.number, purchaseOrder: null },
      netDays: 0,
      actor: input.actor,
    },
    now,
  );
  if (!draft.ok) return draft;
  const creditNote = await finalizeIn(tx, { id: draft.value.id, actor: input.actor, ...issuingAs(ctx) }, now);
  if (!creditNote.ok) return creditNote;
  // Nothing is owed on it: the refund settles it.
  const settled = await settleIn(tx, { id: creditNote.value.id, actor: input.actor }, 'paid', now);
  if (!settled.ok) return settled;
  const refund: RefundRow = {
    id: newId('rfd', now.getTime()),
    payment_id: payment.id,
    license_id: input.licenseId,
    amount: -totals.total,
    credit_note_id: creditNote.value.id,
    provider_ref: null,
    created_at: now.getTime(),
    refunded_at: null,
  };
  await insertRefund(tx, refund);
  await recordAudit(tx, now, [
    {
      actor: input.actor,
      accountId: order.account_id,
      entity: 'payment',
      entityId: payment.id,
      action: 'refund_issued',
      after: {
        refundId: refund.id,
        licenseId: input.licenseId,
        amount: refund.amount,
        creditNoteId: refund.credit_note_id,
      },
    },
  ]);
  return ok({ licenseId: input.licenseId, refundId: refund.id });
}

/**
 * Sends the refund to the provider of the payment, keyed by the refund's id so that a retry
 * refunds once. A payment staff recorded by hand (a wire) is paid back by hand: nothing to send.
 */
export async function payOutRefund(ctx: ServiceContext, refundId: string): Promise<Result<RefundRow>> {
  const refund = await ctx.store.db
    .selectFrom('refunds')
    .selectAll()
    .where('id', '=', refundId)
    .executeTakeFirst();
  if (refund === undefined) return fail('payment_not_found', `There is no refund ${refundId}.`, 'id');
  const payment = await paymentById(ctx.store.db, refund.payment_id);
  if (refund.refunded_at !== null || payment === undefined || payment.provider === 'manual')
    return ok(refund);
  if (payment.provider !== ctx.payments.name || payment.provider_ref === null)
    return fail(
      'payment_provider_unavailable',
      `The payment ${payment.id} was taken by ${payment.provider}, which this service is not configured for.`,
    );
  try {
    const sent = await ctx.payments.refund({
      providerRef: payment.provider_ref,
      amount: money(refund.amount, payment.currency),
      refundId,
    });
    const now = ctx.clock.now().getTime();
    await markRefunded(ctx.store.db, refundId, sent.providerRef, now);
    return ok({ ...refund, provider_ref: sent.providerRef, refunded_at: now });
  } catch (error) {
    return fail(
      'payment_provider_unavailable',
      `The refund ${refundId} is recorded but not yet sent: ${(error as Error).message}`,
    );
  }
}

/** Refunds a key (staff): revoked and credited in one transaction, then paid back. */
export async function refundKey(
  ctx: ServiceContext,
  input: { licenseId: string; actor: string },
): Promise<Result<LicenseView>> {
  const refunded = await inTransaction(ctx.store.db, (tx) => refundKeyIn(tx, ctx, input, ctx.clock.now()));
  if (!refunded.ok) return refunded;
  if (refunded.value.refundId !== null) await payOutRefund(ctx, refunded.value.refundId);
  const view = await findLicense(ctx, input.licenseId);
  if (view === undefined) throw new Error(`refunded ${input.licenseId} but cannot read it back`);
  return ok(view);
}

/**
 * The credit note of a key's refund, as `viewer` may read it (staff, the account's owner); none
 * when no money went back (no order sold the key) or the viewer may not see invoices.
 */
export async function creditNoteOfRefund(
  ctx: ServiceContext,
  viewer: Principal,
  licenseId: string,
): Promise<InvoiceView | undefined> {
  const refund = await refundOfLicense(ctx.store.db, licenseId);
  if (refund === undefined) return undefined;
  const note = await invoiceFor(ctx, viewer, refund.credit_note_id);
  return note.ok ? note.value : undefined;
}
