import type { Payment, PayOrder } from '../../contract/orders.js';
import { requestDigest } from '../../domain/canonical-json.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { money } from '../../domain/money.js';
import { checkOrder } from '../../domain/purchase-rules.js';
import { recordAudit } from '../audit/log.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import type { PaymentEvent, PaymentOutcome } from '../payments/provider.js';
import type { OrderRow, PaymentRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { isUniqueViolation } from '../store/unique.js';
import { paymentAudit, type Settled, settle } from './confirm.js';
import { orderFor } from './order-reads.js';
import {
  insertPayment,
  markPaymentPending,
  orderById,
  paymentById,
  paymentByIdempotencyKey,
  paymentByProviderRef,
  paymentsOf,
  takeOrder,
} from './order-repository.js';
import { paymentView } from './views.js';

/**
 * Paying an order online: a payment is recorded first (so a retry finds it), then the provider is
 * asked, then its answer is recorded. An approval settles the payment and fulfils the order at
 * once; a pending payment is settled later by the provider's confirmation.
 */

async function answer(ctx: ServiceContext, payment: PaymentRow): Promise<Payment> {
  const order = await orderById(ctx.store.db, payment.order_id);
  if (order === undefined) throw new Error(`the order of ${payment.id} is gone`);
  return paymentView(payment, order);
}

function sameRequest(
  ctx: ServiceContext,
  existing: PaymentRow,
  digest: string,
): Promise<Result<Payment>> | Result<Payment> {
  if (existing.request_digest !== digest)
    return fail(
      'idempotency_key_reused',
      `This Idempotency-Key started the payment ${existing.id} with a different request: use a new key.`,
      'idempotency-key',
    );
  return answer(ctx, existing).then(ok);
}

/**
 * Records the payment as started, one per order at a time. A checkout left waiting (a 3-D Secure
 * step, a hosted page) is resumed: paying again the same way answers with that payment.
 */
async function startRecord(
  ctx: ServiceContext,
  order: OrderRow,
  method: 'card' | 'paypal',
  key: string,
  digest: string,
  actor: string,
): Promise<Result<{ payment: PaymentRow; resumed: boolean }>> {
  const now = ctx.clock.now();
  return inTransaction<{ payment: PaymentRow; resumed: boolean }>(ctx.store.db, async (tx) => {
    const current = await takeOrder(tx, order.id);
    if (current === undefined || current.status !== 'open')
      return fail(
        'order_not_open',
        `The order ${order.number} is ${current?.status ?? 'gone'}: only an open order is paid.`,
        'id',
      );
    // Started a moment ago by a call with this same key: answer with that payment.
    const same = await paymentByIdempotencyKey(tx, order.id, key);
    if (same !== undefined) return ok({ payment: same, resumed: true });
    const open = (await paymentsOf(tx, order.id)).find(
      (p) => p.status === 'started' || p.status === 'pending',
    );
    if (open?.status === 'pending' && open.method === method) return ok({ payment: open, resumed: true });
    if (open !== undefined)
      return fail(
        'payment_pending',
        `The payment ${open.id} of this order is waiting to be completed${open.action_url === null ? '' : ` at ${open.action_url}`}.`,
        'id',
      );
    const row: PaymentRow = {
      id: newId('pay', now.getTime()),
      order_id: order.id,
      provider: ctx.payments.name,
      method,
      amount: current.total,
      currency: current.currency,
      status: 'started',
      provider_ref: null,
      action_url: null,
      decline_reason: null,
      idempotency_key: key,
      request_digest: digest,
      created_by: actor,
      created_at: now.getTime(),
      settled_at: null,
    };
    await insertPayment(tx, row);
    await recordAudit(tx, now, [paymentAudit(actor, row, current.account_id, 'started')]);
    return ok({ payment: row, resumed: false });
  });
}

async function recordOutcome(
  ctx: ServiceContext,
  payment: PaymentRow,
  outcome: PaymentOutcome,
  actor: string,
): Promise<Result<PaymentRow>> {
  if (outcome.status === 'pending') {
    const pending = await inTransaction(ctx.store.db, async (tx) => {
      const marked = await markPaymentPending(tx, payment.id, {
        provider_ref: outcome.providerRef,
        action_url: outcome.actionUrl,
      });
      const order = marked === undefined ? undefined : await orderById(tx, marked.order_id);
      if (marked !== undefined && order !== undefined)
        await recordAudit(tx, ctx.clock.now(), [paymentAudit(actor, marked, order.account_id, 'pending')]);
      return ok(marked ?? payment);
    });
    return pending;
  }
  const settled = await settle(
    ctx,
    payment.id,
    outcome.status === 'succeeded' ? outcome : { status: 'declined', reason: outcome.reason },
    actor,
    outcome.providerRef,
  );
  return settled.ok ? ok(settled.value.payment) : settled;
}

/**
 * Pays an open order by card or PayPal. The Idempotency-Key makes a retry answer with the same
 * payment instead of charging twice; the same key with another request is refused.
 */
export async function payOrder(
  ctx: ServiceContext,
  principal: Principal,
  orderId: string,
  input: PayOrder,
  idempotencyKey: string,
): Promise<Result<Payment>> {
  const found = await orderFor(ctx, principal, orderId);
  if (!found.ok) return found;
  const order = found.value;
  const digest = requestDigest({ orderId, ...input });
  const existing = await paymentByIdempotencyKey(ctx.store.db, orderId, idempotencyKey);
  if (existing !== undefined) return sameRequest(ctx, existing, digest);
  const method = input.method ?? (order.payment_method === 'paypal' ? 'paypal' : 'card');
  const allowed = checkOrder(order.connections, method);
  if (!allowed.ok) return allowed;
  let started: Result<{ payment: PaymentRow; resumed: boolean }>;
  try {
    started = await startRecord(ctx, order, method, idempotencyKey, digest, principal.userId);
  } catch (error) {
    if (!isUniqueViolation(error, 'payments.idempotency_key')) throw error;
    const winner = await paymentByIdempotencyKey(ctx.store.db, orderId, idempotencyKey);
    if (winner === undefined) throw error;
    return sameRequest(ctx, winner, digest);
  }
  if (!started.ok) return started;
  const { payment, resumed } = started.value;
  if (resumed)
    return payment.idempotency_key === idempotencyKey
      ? sameRequest(ctx, payment, digest)
      : ok(await answer(ctx, payment));
  let outcome: PaymentOutcome;
  try {
    outcome = await ctx.payments.start({
      paymentId: payment.id,
      orderId: order.id,
      orderNumber: order.number,
      amount: money(payment.amount, payment.currency),
      method,
      description: `Order ${order.number}`,
      paymentToken: input.paymentToken,
      // Back to the order's page in the portal, which shows whether the payment went through.
      returnUrl: `${ctx.policy.publicUrl ?? ''}/orders/${order.id}`,
    });
  } catch {
    // The provider's own message may name its configuration: the customer gets the plain reason.
    const reason = 'The payment provider could not be reached; nothing was charged.';
    await settle(ctx, payment.id, { status: 'declined', reason }, principal.userId);
    return fail('payment_provider_unavailable', `${reason} Try again later.`);
  }
  const recorded = await recordOutcome(ctx, payment, outcome, principal.userId);
  return recorded.ok ? ok(await answer(ctx, recorded.value)) : recorded;
}

/** The test provider's stand-in for a 3-D Secure page: the customer completes or fails it. */
export async function completeTestPayment(
  ctx: ServiceContext,
  principal: Principal,
  paymentId: string,
  outcome: 'succeeded' | 'declined',
): Promise<Result<Payment>> {
  const payment = await paymentById(ctx.store.db, paymentId);
  const notFound = fail('payment_not_found', `There is no pending test payment ${paymentId}.`, 'id');
  if (payment === undefined || payment.provider !== 'test') return notFound;
  const order = await orderFor(ctx, principal, payment.order_id);
  if (!order.ok) return order.error.code === 'order_not_found' ? notFound : order;
  const settled = await settle(
    ctx,
    paymentId,
    outcome === 'succeeded'
      ? { status: 'succeeded' }
      : { status: 'declined', reason: 'The 3-D Secure check failed.' },
    principal.userId,
  );
  return settled.ok ? ok(paymentView(settled.value.payment, settled.value.order)) : settled;
}

/** A verified provider event: settles the payment it names, once however often it arrives. */
export async function applyPaymentEvent(
  ctx: ServiceContext,
  event: PaymentEvent,
): Promise<Result<Settled | null>> {
  const payment = await paymentByProviderRef(ctx.store.db, ctx.payments.name, event.providerRef);
  if (payment === undefined) return ok(null);
  return settle(
    ctx,
    payment.id,
    event.outcome === 'succeeded'
      ? { status: 'succeeded' }
      : { status: 'declined', reason: event.reason ?? 'The payment failed.' },
    ctx.payments.name,
  );
}
