import { fail, ok, type Result } from '../../domain/errors.js';
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import { settleIn } from '../invoices/operations.js';
import type { Database } from '../store/database.js';
import type { OrderRow, PaymentRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { fulfilIn } from './fulfil.js';
import { moveOrder, orderById, paymentById, settlePayment, takeOrder } from './order-repository.js';

/**
 * A payment's end, as its provider reports it, however often and on however many instances the
 * report arrives: the payment is settled by a conditional update, and only the transaction that
 * settles it fulfils the order, in the same commit. A repeated report finds it settled and
 * changes nothing.
 */

export type Settlement = { status: 'succeeded' } | { status: 'declined'; reason: string };

export interface Settled {
  payment: PaymentRow;
  order: OrderRow;
}

export const paymentAudit = (actor: string, payment: PaymentRow, accountId: string, action: string) => ({
  actor,
  accountId,
  entity: 'payment' as const,
  entityId: payment.id,
  action,
  after: {
    orderId: payment.order_id,
    provider: payment.provider,
    method: payment.method,
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status,
    declineReason: payment.decline_reason,
  },
});

/** Marks the order paid and does what it bought, in the caller's transaction. */
export async function payOrderIn(
  tx: Database,
  ctx: ServiceContext,
  order: OrderRow,
  actor: string,
  now: Date,
): Promise<Result<OrderRow>> {
  if (order.status !== 'open')
    return fail('order_not_open', `The order ${order.number} is ${order.status}: it cannot be paid.`, 'id');
  const fulfilment = await fulfilIn(tx, ctx, order, actor, now);
  if (!fulfilment.ok) return fulfilment;
  const paid = await moveOrder(tx, order.id, 'open', {
    status: 'paid',
    paid_at: now.getTime(),
    fulfilment: JSON.stringify(fulfilment.value),
  });
  if (paid === undefined) throw new Error(`the order ${order.id} changed under its own lock`);
  if (order.invoice_id !== null) {
    const invoice = await settleIn(tx, { id: order.invoice_id, actor }, 'paid', now);
    if (!invoice.ok) return invoice;
  }
  await recordAudit(tx, now, [
    {
      actor,
      accountId: paid.account_id,
      entity: 'order',
      entityId: paid.id,
      action: 'paid',
      after: { fulfilment: fulfilment.value },
    },
  ]);
  return ok(paid);
}

export async function settle(
  ctx: ServiceContext,
  paymentId: string,
  settlement: Settlement,
  actor: string,
  /** The provider's reference, when its first answer settles the payment. */
  providerRef?: string,
): Promise<Result<Settled>> {
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    const settled = await settlePayment(tx, paymentId, {
      status: settlement.status,
      settled_at: now.getTime(),
      decline_reason: settlement.status === 'declined' ? settlement.reason : null,
      ...(providerRef === undefined ? {} : { provider_ref: providerRef }),
    });
    if (settled === undefined) {
      // Settled already (a repeated report): answer with how it stands.
      const payment = await paymentById(tx, paymentId);
      const order = payment === undefined ? undefined : await orderById(tx, payment.order_id);
      if (payment === undefined || order === undefined)
        return fail('payment_not_found', `There is no payment ${paymentId}.`, 'id');
      return ok({ payment, order });
    }
    const order = await takeOrder(tx, settled.order_id);
    if (order === undefined) throw new Error(`the order of ${paymentId} is gone`);
    await recordAudit(tx, now, [paymentAudit(actor, settled, order.account_id, settled.status)]);
    if (settlement.status === 'declined') return ok({ payment: settled, order });
    const paid = await payOrderIn(tx, ctx, order, actor, now);
    return paid.ok ? ok({ payment: settled, order: paid.value }) : paid;
  });
}
