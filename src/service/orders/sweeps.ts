import type { Failure } from '../../domain/errors.js';
import type { ServiceContext } from '../context.js';
import { settle } from './confirm.js';
import { stalePayments, unsentRefunds } from './order-repository.js';
import { payOutRefund } from './refunds.js';

/**
 * What the periodic job tidies so that nothing stays stuck (Polar once left a payment lock held
 * for good): a payment recorded as started whose provider call never returned an answer (the
 * process stopped mid-call), a test payment whose 3-D Secure step was abandoned, and a refund
 * whose provider could not be reached.
 */

/** Far longer than any provider call takes: after this, a started payment got no answer. */
export const STARTED_PAYMENT_TIMEOUT_MS = 15 * 60_000;
/** Stripe expires an unpaid Checkout Session after a day and says so; the test provider is told here. */
export const TEST_PENDING_TIMEOUT_MS = 24 * 3_600_000;

export interface Sweep {
  released: string[];
  refunded: string[];
  failures: { id: string; error: Failure }[];
}

export async function sweepPayments(ctx: ServiceContext): Promise<Sweep> {
  const now = ctx.clock.now().getTime();
  const sweep: Sweep = { released: [], refunded: [], failures: [] };
  const stuck = [
    ...(await stalePayments(ctx.store.db, { status: 'started', before: now - STARTED_PAYMENT_TIMEOUT_MS })),
    ...(await stalePayments(ctx.store.db, {
      status: 'pending',
      provider: 'test',
      before: now - TEST_PENDING_TIMEOUT_MS,
    })),
  ];
  for (const payment of stuck) {
    const released = await settle(
      ctx,
      payment.id,
      { status: 'declined', reason: 'The payment was not completed: nothing was charged, pay again.' },
      'system',
    );
    if (released.ok) sweep.released.push(payment.id);
    else sweep.failures.push({ id: payment.id, error: released.error });
  }
  for (const refund of await unsentRefunds(ctx.store.db)) {
    const sent = await payOutRefund(ctx, refund.id);
    if (sent.ok) sweep.refunded.push(refund.id);
    else sweep.failures.push({ id: refund.id, error: sent.error });
  }
  return sweep;
}
