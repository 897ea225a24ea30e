import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../test/support/engines.js';
import { boughtSubscription, order, subscriberFixture } from '../../../test/support/orders.js';
import { expectRefusal, value } from '../../../test/support/results.js';
import { listOrders } from './order-reads.js';
import { previewOrder } from './preview.js';

describe.each(ENGINES)('%s: an order’s price before it is made', (engine) => {
  const subscriber = subscriberFixture(engine);

  it('prices a subscription change exactly as ordering it does, and stores nothing', async () => {
    const { ctx, clock, owner } = subscriber;
    const sub = await boughtSubscription(ctx, owner, 100);
    clock.set('2026-12-10T09:00:00.000Z');
    const items = [{ type: 'subscription_change' as const, subscriptionId: sub.id, connections: 150 }];
    const before = value(await listOrders(ctx, owner, {})).orders.length;
    const priced = value(await previewOrder(ctx, owner, { accountId: owner.accountId, items }));
    expect(value(await listOrders(ctx, owner, {})).orders).toHaveLength(before);
    const placed = value(await order(ctx, owner, items));
    expect(priced.lines).toEqual(placed.lines);
    expect(priced).toMatchObject({ status: 'quote', subtotal: 338_71, total: placed.total });
  });

  it('refuses what ordering would refuse: a member, another account, a change of nothing', async () => {
    const { ctx, owner } = subscriber;
    const sub = await boughtSubscription(ctx, owner, 100);
    const items = [{ type: 'subscription_change' as const, subscriptionId: sub.id, connections: 150 }];
    const member = { ...owner, role: 'member' as const };
    expectRefusal(await previewOrder(ctx, member, { accountId: owner.accountId, items }), 'forbidden');
    const stranger = { ...owner, accountId: 'acc_01jaaaaaaaaaaaaaaaaaaaaaaa' };
    expectRefusal(
      await previewOrder(ctx, stranger, { accountId: owner.accountId, items }),
      'account_not_found',
    );
    const same = [{ ...items[0], connections: 100 }] as typeof items;
    expectRefusal(
      await previewOrder(ctx, owner, { accountId: owner.accountId, items: same }),
      'validation_failed',
    );
  });
});
