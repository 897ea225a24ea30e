import { fail, ok, type Result } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import { invoiceById } from '../invoices/invoice-repository.js';
import { payInvoice, voidInvoice } from '../invoices/operations.js';
import { type InvoiceView, invoiceView } from '../invoices/views.js';
import type { PaymentRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { paymentAudit, payOrderIn } from './confirm.js';
import { cancelOrder } from './operations.js';
import { insertPayment, orderByInvoice, paymentsOf, takeOrder } from './order-repository.js';

/**
 * Staff settle an invoice by hand. When it is an order's, the order goes with it: paid and
 * fulfilled, or canceled.
 */

/**
 * Staff record a payment that arrived by bank wire, ACH or against a purchase order: the invoice
 * is paid and, when it is an order's, the order is fulfilled in the same transaction, once. An
 * invoice of no order is just marked paid.
 */
export async function markInvoicePaid(
  ctx: ServiceContext,
  input: { id: string; actor: string },
): Promise<Result<InvoiceView>> {
  const order = await orderByInvoice(ctx.store.db, input.id);
  if (order === undefined) return payInvoice(ctx, input);
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    const current = await takeOrder(tx, order.id);
    if (current === undefined || current.status !== 'open')
      return fail(
        'invoice_not_open',
        `The invoice ${input.id} is of the order ${order.number}, which is ${current?.status ?? 'gone'}: it cannot be paid again.`,
        'id',
      );
    // An online payment under way may yet succeed: the order would then be paid twice.
    const open = (await paymentsOf(tx, current.id)).find(
      (p) => p.status === 'started' || p.status === 'pending',
    );
    if (open !== undefined)
      return fail(
        'payment_pending',
        `The order ${current.number} has an online payment (${open.id}) being completed: wait for it before recording another.`,
        'id',
      );
    const payment: PaymentRow = {
      id: newId('pay', now.getTime()),
      order_id: current.id,
      provider: 'manual',
      method: current.payment_method ?? 'bank_wire',
      amount: current.total,
      currency: current.currency,
      status: 'succeeded',
      provider_ref: null,
      action_url: null,
      decline_reason: null,
      idempotency_key: `invoice-paid:${input.id}`,
      request_digest: input.id,
      created_by: input.actor,
      created_at: now.getTime(),
      settled_at: now.getTime(),
    };
    await insertPayment(tx, payment);
    await recordAudit(tx, now, [paymentAudit(input.actor, payment, current.account_id, 'succeeded')]);
    const paid = await payOrderIn(tx, ctx, current, input.actor, now);
    if (!paid.ok) return paid;
    const invoice = await invoiceById(tx, input.id);
    if (invoice === undefined) throw new Error(`the invoice ${input.id} is gone`);
    return ok(invoiceView(invoice));
  });
}

/** Voids an open invoice; an order's is canceled with it, so that it can no longer be paid. */
export async function voidInvoiceOrOrder(
  ctx: ServiceContext,
  input: { id: string; actor: string },
): Promise<Result<InvoiceView>> {
  const order = await orderByInvoice(ctx.store.db, input.id);
  if (order === undefined) return voidInvoice(ctx, input);
  const canceled = await cancelOrder(ctx, { kind: 'staff', userId: input.actor }, order.id);
  if (!canceled.ok)
    return canceled.error.code === 'order_not_open'
      ? fail(
          'invoice_not_open',
          `The invoice ${input.id} is of the order ${order.number}: ${canceled.error.detail}`,
          'id',
        )
      : canceled;
  const invoice = await invoiceById(ctx.store.db, input.id);
  if (invoice === undefined) throw new Error(`the invoice ${input.id} is gone`);
  return ok(invoiceView(invoice));
}
