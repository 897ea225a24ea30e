import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { accountWithKey } from '../../../test/support/factories.js';
import type { Result } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Principal } from '../auth/principal.js';
import type { PaymentProvider } from '../payments/provider.js';
import { createTestProvider, TEST_CARDS } from '../payments/test-provider.js';
import { payOrder } from './checkout.js';
import { createOrder } from './operations.js';
import { insertPayment, paymentById } from './order-repository.js';
import { refundKey } from './refunds.js';
import { STARTED_PAYMENT_TIMEOUT_MS, sweepPayments, TEST_PENDING_TIMEOUT_MS } from './sweeps.js';

const value = <T>(result: Result<T>): T => {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.detail}`);
  return result.value;
};

describe.each(ENGINES)('%s: the payment sweep', (engine) => {
  let ctx: Awaited<ReturnType<typeof testContext>>;
  let clock: ManualClock;
  let owner: Principal;
  let accountId: string;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-30T10:00:00.000Z');
    ctx = await testContext(engine, clock);
    ({ accountId } = await accountWithKey(ctx));
    owner = { kind: 'account', userId: 'usr_owner', accountId, role: 'owner' };
  });
  afterEach(() => ctx.cleanup());

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
