import { beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { machine } from '../../../test/support/factories.js';
import {
  boughtSubscription,
  joined,
  newKey,
  type Owner,
  order,
  pay,
  subscriberFixture,
} from '../../../test/support/orders.js';
import { expectRefusal, value } from '../../../test/support/results.js';
import { newId } from '../../domain/ids.js';
import type { ServiceContext } from '../context.js';
import { payOrder } from '../orders/checkout.js';
import { cancelOrder, createOrder } from '../orders/operations.js';
import { showOrder } from '../orders/order-reads.js';
import { TEST_CARDS } from '../payments/test-provider.js';
import { billSubscriptions } from './billing.js';
import { heartbeat } from './heartbeat.js';
import { joinPool } from './join.js';
import { createSubscription, type SubscriptionView, showSubscription } from './lifecycle.js';

describe.each(ENGINES)('%s: subscription billing', (engine) => {
  // Subscriptions at a flat $10.00 per connection a month, from 1 December.
  const subscriber = subscriberFixture(engine);
  let ctx: ServiceContext;
  let clock: ManualClock;
  let owner: Owner;
  let sequence = 0;
  beforeEach(() => {
    ({ ctx, clock, owner } = subscriber);
  });

  const beat = (sub: SubscriptionView, serverId: string) =>
    heartbeat(ctx, {
      key: sub.key,
      serverId,
      sequence: ++sequence,
      sentAt: clock.now().getTime(),
      tunnels: [],
    });
  const view = async (sub: SubscriptionView) => value(await showSubscription(ctx, owner, sub.id));
  const renewalOrders = () =>
    ctx.store.db
      .selectFrom('orders')
      .select(['id', 'status'])
      .where('items', 'like', '%subscription_renewal%')
      .execute();

  it('places one renewal order per period even when run twice at once, and paying it moves the period', async () => {
    const sub = await boughtSubscription(ctx, owner, 100);
    // More than a week before 1 January: nothing is due yet.
    clock.set('2026-12-24T23:59:59.000Z');
    expect((await billSubscriptions(ctx)).placed).toEqual([]);
    clock.set('2026-12-25T00:00:00.000Z');
    const passes = await Promise.all([billSubscriptions(ctx), billSubscriptions(ctx)]);
    for (const pass of passes) expect(pass.failures).toEqual([]);
    expect(new Set(passes.flatMap((pass) => pass.placed)).size).toBe(1);
    expect((await billSubscriptions(ctx)).placed).toEqual([]);
    const [renewal] = await renewalOrders();
    expect(await renewalOrders()).toHaveLength(1);
    const placed = value(await showOrder(ctx, owner, renewal?.id ?? ''));
    expect(placed).toMatchObject({
      status: 'open',
      total: 1_000_00,
      paymentMethod: 'card',
      connections: 100,
    });
    expect(placed.invoiceId).not.toBeNull();

    const change = { type: 'subscription_change' as const, subscriptionId: sub.id, connections: 120 };
    expectRefusal(await order(ctx, owner, [change]), 'subscription_order_open');

    await pay(ctx, owner, placed);
    // Paid a week ahead: December's rest can no longer be prorated; January's can from 1 January.
    expectRefusal(await order(ctx, owner, [change]), 'subscription_period_paid');
    expect(await view(sub)).toMatchObject({
      periodEnds: '2027-02-01T00:00:00.000Z',
      billingStatus: 'paid',
      graceEnds: null,
    });
    // The next period's order comes a week before 1 February, not before.
    expect((await billSubscriptions(ctx)).placed).toEqual([]);
  });

  it('holds a renewal back while a change is unpaid, and places it once the change is canceled', async () => {
    const sub = await boughtSubscription(ctx, owner, 100);
    clock.set('2026-12-20T00:00:00.000Z');
    const unpaid = value(
      await order(ctx, owner, [{ type: 'subscription_change', subscriptionId: sub.id, connections: 120 }]),
    );
    clock.set('2026-12-25T00:00:00.000Z');
    const held = await billSubscriptions(ctx);
    expect(held).toMatchObject({ placed: [], failures: [] });
    expect(held.waiting[0]?.detail).toContain(unpaid.number);
    value(await cancelOrder(ctx, owner, unpaid.id));
    expect((await billSubscriptions(ctx)).placed).toHaveLength(1);
  });

  it('keeps an unpaid subscription working through a 14-day grace, then ends it as an ended subscription', async () => {
    const sub = await boughtSubscription(ctx, owner, 100);
    const server = await joined(ctx, sub, 'a');
    clock.set('2026-12-25T00:00:00.000Z');
    const [orderId] = (await billSubscriptions(ctx)).placed;
    const declined = value(
      await payOrder(ctx, owner, orderId ?? '', { paymentToken: TEST_CARDS.declined }, newKey()),
    );
    expect(declined.status).toBe('declined');

    clock.set('2027-01-01T00:00:00.000Z');
    expect(await view(sub)).toMatchObject({
      periodEnds: '2027-01-01T00:00:00.000Z',
      billingStatus: 'grace',
      graceEnds: '2027-01-15T00:00:00.000Z',
    });
    // In grace it works, and its period does not move for free.
    const inGrace = value(await beat(sub, server));
    expect(inGrace.periodEnds).toBe('2027-01-01T00:00:00.000Z');
    expect(inGrace.grant.payload.periodEnds).toBe('2027-01-15T00:00:00.000Z');
    expect((await view(sub)).periodEnds).toBe('2027-01-01T00:00:00.000Z');
    expect((await billSubscriptions(ctx)).placed).toEqual([]);

    clock.set('2027-01-14T23:59:59.000Z');
    value(await beat(sub, server));
    clock.set('2027-01-15T00:00:00.000Z');
    expect((await view(sub)).billingStatus).toBe('ended');
    const refused = expectRefusal(await beat(sub, server), 'subscription_expired');
    expect(refused.detail).toBe('This subscription ended on 2027-01-01: renew it.');
    const newcomer = await joinPool(ctx, {
      key: sub.key,
      serverId: newId('srv', clock.now().getTime()),
      fingerprint: machine('b'),
    });
    expectRefusal(newcomer, 'subscription_expired');
  });

  it('restores a subscription whose renewal is paid in the grace, its next period following the last', async () => {
    const sub = await boughtSubscription(ctx, owner, 100);
    clock.set('2026-12-25T00:00:00.000Z');
    const [orderId] = (await billSubscriptions(ctx)).placed;
    clock.set('2027-01-10T00:00:00.000Z');
    expect((await view(sub)).billingStatus).toBe('grace');
    await pay(ctx, owner, value(await showOrder(ctx, owner, orderId ?? '')));
    expect(await view(sub)).toMatchObject({ billingStatus: 'paid', periodEnds: '2027-02-01T00:00:00.000Z' });
  });

  it('renews an ended subscription from the day its renewal is paid', async () => {
    const sub = await boughtSubscription(ctx, owner, 100);
    clock.set('2027-01-20T06:00:00.000Z');
    expect((await view(sub)).billingStatus).toBe('ended');
    // The job bills no ended subscription; the customer orders the renewal.
    expect((await billSubscriptions(ctx)).placed).toEqual([]);
    const renewal = value(
      await createOrder(
        ctx,
        owner,
        {
          accountId: owner.accountId,
          items: [{ type: 'subscription_renewal', subscriptionId: sub.id }],
          paymentMethod: 'card',
        },
        newKey(),
      ),
    );
    expect(renewal.lines[0]?.description).toBe(
      'Subscription, billed monthly: 100 connections × $10.00, the month from the day it is paid',
    );
    await pay(ctx, owner, renewal);
    expect(await view(sub)).toMatchObject({ billingStatus: 'paid', periodEnds: '2027-02-20T06:00:00.000Z' });
  });

  it('leaves a staff-created subscription unbilled: it renews for free as before', async () => {
    const free = value(
      await createSubscription(ctx, { accountId: owner.accountId, connections: 20, period: 'monthly' }),
    );
    const server = await joined(ctx, free, 'c');
    clock.set('2026-12-28T00:00:00.000Z');
    expect((await billSubscriptions(ctx)).placed).toEqual([]);
    clock.set('2027-01-02T00:00:00.000Z');
    value(await beat(free, server));
    expect(await view(free)).toMatchObject({ billingStatus: null, periodEnds: '2027-02-01T00:00:00.000Z' });
  });
});
