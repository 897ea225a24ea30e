import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../test/support/engines.js';
import { buyerFixture, order, pay } from '../../../test/support/orders.js';
import { value } from '../../../test/support/results.js';
import { listOrders } from './order-reads.js';

describe.each(ENGINES)('%s: the console’s list of orders', (engine) => {
  const buyer = buyerFixture(engine);
  const staff = { kind: 'staff' as const, userId: 'usr_staff' };

  it('lists newest first, by status, page by page', async () => {
    const { ctx, clock, owner } = buyer;
    const placed = [];
    for (const connections of [10, 11, 12]) {
      placed.push(value(await order(ctx, owner, [{ type: 'key', sku: 'key-1y', connections }])));
      clock.advance(60_000);
    }
    const [first, second, third] = placed.map((made) => made.id);
    const middle = placed[1];
    if (middle === undefined) throw new Error('three orders were placed');
    await pay(ctx, owner, middle);
    const ids = async (filter: Parameters<typeof listOrders>[2]) =>
      value(await listOrders(ctx, staff, filter)).orders.map((made) => made.id);
    expect(await ids({ newestFirst: true })).toEqual([third, second, first]);
    expect(await ids({ newestFirst: true, status: 'open' })).toEqual([third, first]);
    expect(await ids({ status: 'paid' })).toEqual([second]);
    const page = value(await listOrders(ctx, staff, { newestFirst: true, limit: 2 }));
    expect(page.next).toBe(second);
    expect(await ids({ newestFirst: true, after: page.next ?? '' })).toEqual([first]);
    expect(await ids({})).toEqual([first, second, third]);
  });
});
