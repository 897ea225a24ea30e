import { beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { buyerFixture, type Owner } from '../../../test/support/orders.js';
import { value } from '../../../test/support/results.js';
import { newId } from '../../domain/ids.js';
import type { ServiceContext } from '../context.js';
import type { PaymentProvider } from '../payments/provider.js';
import { createTestProvider, TEST_CARDS } from '../payments/test-provider.js';
import { payOrder } from './checkout.js';
import { createOrder } from './operations.js';
import { insertPayment, paymentById } from './order-repository.js';
import { refundKey } from './refunds.js';
import { STARTED_PAYMENT_TIMEOUT_MS, sweepPayments, TEST_PENDING_TIMEOUT_MS } from './sweeps.js';

describe.each(ENGINES)('%s: the payment sweep', (engine) => {
  const buyer = buyerFixture(engine);
  let ctx: ServiceContext;
  let clock: ManualClock;
  let owner: Owner;
  let accountId: string;
  beforeEach(() => {
    ({ ctx, clock, owner, accountId } = buyer);
  });

  const openOrder = async () =>
    value(
      await createOrder(
        ctx,
        owner,
        { accountId, items: [{ type: 'key', sku: 'key-1y', connections: 10 }], paymentMethod: 'card' },
        `order-${Math.random()}`,
      ),
    );

  it('lets go of a payment whose provider call never answered, and of an abandoned 3-D Secure step', async () => {
    const order = await openOrder();
    // What a process that stopped during the provider call leaves behind.
    const startedId = newId('pay', clock.now().getTime());
    await insertPayment(ctx.store.db, {
      id: startedId,
      order_id: order.id,
      provider: 'test',
      method: 'card',
      amount: order.total,
      currency: 'USD',
      status: 'started',
      provider_ref: null,
      action_url: null,
      decline_reason: null,
      idempotency_key: 'crashed',
      request_digest: 'crashed',
      created_by: 'usr_owner',
      created_at: clock.now().getTime(),
      settled_at: null,
    });
    const blocked = await payOrder(ctx, owner, order.id, {}, 'retry-1');
    expect(blocked.ok || blocked.error.code).toBe('payment_pending');
    clock.advance(STARTED_PAYMENT_TIMEOUT_MS - 1);
    expect((await sweepPayments(ctx)).released).toEqual([]);
    clock.advance(1);
    expect((await sweepPayments(ctx)).released).toEqual([startedId]);
    expect((await paymentById(ctx.store.db, startedId))?.status).toBe('declined');

    const waiting = value(
      await payOrder(ctx, owner, order.id, { paymentToken: TEST_CARDS.threeDSecure }, 'retry-2'),
    );
    clock.advance(TEST_PENDING_TIMEOUT_MS);
    expect((await sweepPayments(ctx)).released).toEqual([waiting.id]);
    const paid = value(await payOrder(ctx, owner, order.id, {}, 'retry-3'));
    expect(paid.order.status).toBe('paid');
  });

  it('sends a refund its provider could not take at first, once', async () => {
    const order = await openOrder();
    const paid = value(await payOrder(ctx, owner, order.id, {}, 'pay'));
    const [licenseId = ''] = paid.order.fulfilment?.issuedLicenseIds ?? [];
    const working = createTestProvider();
    const sent: string[] = [];
    // The processor is outside the machine: here it is down for the first refund.
    const down: PaymentProvider = {
      ...working,
      refund: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    };
    ctx.payments = down;
    value(await refundKey(ctx, { licenseId, actor: 'usr_staff' }));
    const unsent = await ctx.store.db.selectFrom('refunds').selectAll().executeTakeFirstOrThrow();
    expect(unsent.refunded_at).toBeNull();
    ctx.payments = {
      ...working,
      refund: async (input) => {
        sent.push(input.refundId);
        return working.refund(input);
      },
    };
    expect((await sweepPayments(ctx)).refunded).toEqual([unsent.id]);
    expect((await sweepPayments(ctx)).refunded).toEqual([]);
    expect(sent).toEqual([unsent.id]);
  });
});
