import { beforeEach, describe, expect, it } from 'vitest';
import { DAY, type ManualClock } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import {
  boughtSubscription,
  joined,
  type Owner,
  order,
  ownerOf,
  pay,
  subscriberFixture,
} from '../../../test/support/orders.js';
import { expectRefusal, value } from '../../../test/support/results.js';
import { newId } from '../../domain/ids.js';
import { createAccount } from '../accounts/operations.js';
import type { ServiceContext } from '../context.js';
import { invoiceFor } from '../invoices/operations.js';
import { billSubscriptions } from '../subscriptions/billing.js';
import { heartbeat } from '../subscriptions/heartbeat.js';
import { createSubscription, type SubscriptionView, showSubscription } from '../subscriptions/lifecycle.js';
import { subscriptionById } from '../subscriptions/repository.js';
import { createQuote } from './operations.js';
import { showOrder } from './order-reads.js';

describe.each(ENGINES)('%s: subscription changes', (engine) => {
  // Subscriptions at a flat $10.00 per connection a month, from 1 December.
  const subscriber = subscriberFixture(engine);
  let ctx: ServiceContext;
  let clock: ManualClock;
  let owner: Owner;
  let sequence = 0;
  beforeEach(() => {
    ({ ctx, clock, owner } = subscriber);
  });

  const change = (sub: SubscriptionView, connections: number, force?: boolean) =>
    order(ctx, owner, [
      {
        type: 'subscription_change',
        subscriptionId: sub.id,
        connections,
        ...(force === undefined ? {} : { force }),
      },
    ]);
  const tunnels = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ id: `t-${i}`, connectedAt: clock.now().getTime() - 1000 }));
  const beat = (sub: SubscriptionView, serverId: string, count: number) =>
    heartbeat(ctx, {
      key: sub.key,
      serverId,
      sequence: ++sequence,
      sentAt: clock.now().getTime(),
      tunnels: tunnels(count),
    });
  const stored = async (sub: SubscriptionView) => {
    const row = await subscriptionById(ctx.store.db, sub.id);
    if (row === undefined) throw new Error(`${sub.id} is gone`);
    return row;
  };

  it('prorates a scale-up from 100 to 150 on day 10 by the day, line by line, and serves 150 once paid', async () => {
    const sub = await boughtSubscription(ctx, owner, 100);
    // Bought on 1 December at $10.00 × 100 = $1,000.00 for 1 December to 1 January: 31 days.
    expect(sub).toMatchObject({
      connections: 100,
      periodEnds: '2027-01-01T00:00:00.000Z',
      billingStatus: 'paid',
    });
    clock.set('2026-12-10T09:00:00.000Z');
    // Day 10 counts as used, at 100: 21 days remain, 11 to 31 December.
    // Credit: $1,000.00 × 21/31 = $677.419... → $677.42
    // Charge: 150 × $10.00 = $1,500.00 × 21/31 = $1,016.129... → $1,016.13
    // Due:    $1,016.13 − $677.42 = $338.71
    const placed = value(await change(sub, 150));
    expect(placed.lines).toEqual([
      {
        item: 0,
        description:
          'Unused time on 100 connections, 21 of 31 days (2026-12-11 to 2026-12-31): $1,000.00 × 21/31',
        quantity: 1,
        unitAmount: -677_42,
        amount: -677_42,
      },
      {
        item: 0,
        description:
          'Remaining time on 150 connections, 21 of 31 days (2026-12-11 to 2026-12-31): $1,500.00 × 21/31',
        quantity: 1,
        unitAmount: 1_016_13,
        amount: 1_016_13,
      },
    ]);
    expect(placed).toMatchObject({
      connections: 150,
      subtotal: 338_71,
      tax: 0,
      total: 338_71,
      status: 'open',
    });
    const invoice = value(await invoiceFor(ctx, owner, placed.invoiceId ?? ''));
    expect(invoice).toMatchObject({ status: 'open', total: 338_71 });
    expect(invoice.lines.map((line) => line.amount)).toEqual([-677_42, 1_016_13]);

    const paid = await pay(ctx, owner, placed);
    expect(paid.fulfilment?.subscriptionIds).toEqual([sub.id]);
    expect(value(await showSubscription(ctx, owner, sub.id)).connections).toBe(150);
    const answer = value(await beat(sub, await joined(ctx, sub, 'a'), 0));
    expect(answer.connections).toBe(150);
    expect(await stored(sub)).toMatchObject({
      seats: 150,
      unit_price: 10_00,
      period_charged: 1_000_00 + 1_016_13,
      period_credited: 677_42,
      credit_balance: 0,
    });
  });

  it('keeps the period’s running totals over two changes, and caps a credit at what was charged less credits given', async () => {
    const sub = await boughtSubscription(ctx, owner, 100);
    clock.set('2026-12-10T09:00:00.000Z');
    await pay(ctx, owner, value(await change(sub, 150)));
    // Charged $1,000.00 + $1,016.13 = $2,016.13, credited $677.42: the period still holds $1,338.71.
    clock.set('2026-12-20T09:00:00.000Z');
    // Day 20: 11 days remain (21 to 31 December).
    // Credit: $1,500.00 × 11/31 = $532.258... → $532.26 (under $1,338.71: not capped)
    // Charge: 120 × $10.00 = $1,200.00 × 11/31 = $425.806... → $425.81
    // The credit exceeds the charge by $106.45: kept for the next invoices, the order totals 0.
    const second = value(await change(sub, 120));
    expect(second.lines.map((line) => line.amount)).toEqual([-532_26, 425_81, 106_45]);
    expect(second.lines[2]?.description).toBe('Credit kept for your next invoices');
    expect(second.total).toBe(0);
    // Nothing to pay: placed is paid, and fulfilled.
    expect(second.status).toBe('paid');
    expect(await stored(sub)).toMatchObject({
      seats: 120,
      period_charged: 2_016_13 + 425_81,
      period_credited: 677_42 + 532_26,
      credit_balance: 106_45,
    });

    // A period charged less than its price (as a discount would leave it): charged $1,500.00,
    // credited $1,209.68, so $290.32 is all a credit can give back.
    await ctx.store.db
      .updateTable('subscriptions')
      .set({ period_charged: 1_500_00 })
      .where('id', '=', sub.id)
      .execute();
    clock.set('2026-12-21T09:00:00.000Z');
    // Day 21: 10 days remain. Credit: $1,200.00 × 10/31 = $387.096... → $387.10, capped at $290.32.
    // Charge: 130 × $10.00 = $1,300.00 × 10/31 = $419.354... → $419.35. Due $129.03.
    const capped = value(await change(sub, 130));
    expect(capped.lines.map((line) => line.amount)).toEqual([-290_32, 419_35]);
    expect(capped.lines[0]?.description).toContain('= $387.10, capped at $290.32');
    expect(capped.total).toBe(129_03);
  });

  it('refuses a scale-down below the tunnels in use with their count, and accepts it forced; its credit comes off the renewal', async () => {
    const sub = await boughtSubscription(ctx, owner, 100);
    const server = await joined(ctx, sub, 'a');
    clock.set('2026-12-10T09:00:00.000Z');
    value(await beat(sub, server, 60));
    const refused = expectRefusal(await change(sub, 50), 'subscription_in_use');
    expect(refused.detail).toBe(
      '60 tunnels are connected in its pool now, more than 50: disconnect some first, or force the change and the pool keeps 50.',
    );
    expect(refused.field).toBe('items/0/connections');

    // Credit: $1,000.00 × 21/31 → $677.42; charge: $500.00 × 21/31 = $338.709... → $338.71;
    // kept: $677.42 − $338.71 = $338.71; nothing to pay.
    const forced = value(await change(sub, 50, true));
    expect(forced.lines.map((line) => line.amount)).toEqual([-677_42, 338_71, 338_71]);
    expect(forced.total).toBe(0);
    expect(forced.status).toBe('paid');
    // The change applies at once: the pool now orders the 10 tunnels over 50 off.
    const after = value(await beat(sub, server, 60));
    expect(after).toMatchObject({ connections: 50, used: 60 });
    expect(after.disconnect).toHaveLength(10);

    // The renewal, a week before 1 January: 50 × $10.00 = $500.00, less the $338.71 kept: $161.29.
    clock.set('2026-12-25T00:00:00.000Z');
    const [renewalId] = (await billSubscriptions(ctx)).placed;
    const renewal = value(await showOrder(ctx, owner, renewalId ?? ''));
    expect(renewal.lines.map(({ description, amount }) => ({ description, amount }))).toEqual([
      {
        description: 'Subscription, billed monthly: 50 connections × $10.00, the month from 2027-01-01',
        amount: 500_00,
      },
      { description: 'Credit from earlier changes', amount: -338_71 },
    ]);
    expect(renewal.total).toBe(161_29);
    await pay(ctx, owner, renewal);
    expect(await stored(sub)).toMatchObject({
      credit_balance: 0,
      period_charged: 500_00,
      period_credited: 0,
      period_ends_at: Date.parse('2027-02-01T00:00:00.000Z'),
    });
  });

  it('refuses changes of unknown, foreign, staff-created or unpaid subscriptions, and bad quantities', async () => {
    const sub = await boughtSubscription(ctx, owner, 100);
    const unknown = {
      type: 'subscription_change' as const,
      subscriptionId: newId('sub', 1),
      connections: 20,
    };
    expect(expectRefusal(await order(ctx, owner, [unknown]), 'subscription_not_found').field).toBe('items/0');

    const other = ownerOf(value(await createAccount(ctx, { email: 'other@example.com' })).account.id);
    const theirs = await boughtSubscription(ctx, other, 20);
    expectRefusal(await change(theirs, 30), 'subscription_not_found');

    expectRefusal(await change(sub, 0), 'validation_failed');
    expectRefusal(await change(sub, 100), 'validation_failed');
    const twice = await order(ctx, owner, [
      { type: 'subscription_change', subscriptionId: sub.id, connections: 120 },
      { type: 'subscription_renewal', subscriptionId: sub.id },
    ]);
    expectRefusal(twice, 'validation_failed');
    const quoted = await createQuote(ctx, owner, {
      accountId: owner.accountId,
      items: [{ type: 'subscription_change', subscriptionId: sub.id, connections: 120 }],
    });
    expectRefusal(quoted, 'validation_failed');

    const free = value(
      await createSubscription(ctx, { accountId: owner.accountId, connections: 20, period: 'monthly' }),
    );
    expectRefusal(await change(free, 30), 'subscription_not_billed');
    expectRefusal(
      await order(ctx, owner, [{ type: 'subscription_renewal', subscriptionId: free.id }]),
      'subscription_not_billed',
    );

    // One order at a time: of two changes placed at once, one waits for the other.
    const both = await Promise.all([change(sub, 120), change(sub, 130)]);
    const [first] = both.flatMap((answer) => (answer.ok ? [answer.value] : []));
    const [waiting] = both.flatMap((answer) => (answer.ok ? [] : [answer.error]));
    expect(waiting).toMatchObject({ code: 'subscription_order_open' });
    expect(waiting?.detail).toContain(first?.number);
    expectRefusal(await change(sub, 140), 'subscription_order_open');

    // After its period ended unpaid it is renewed first; after the grace it has ended.
    clock.set('2027-01-02T00:00:00.000Z');
    expectRefusal(await change(sub, 130), 'subscription_renewal_due');
    clock.advance(14 * DAY);
    expectRefusal(await change(sub, 130), 'subscription_expired');
  });

  it('prices two scale-downs ordered at once on one state, and applies one of them only', async () => {
    const sub = await boughtSubscription(ctx, owner, 20);
    clock.advance(15 * DAY);
    // Each would be paid as it is placed (its credit covers it): the second must not credit again.
    const answers = await Promise.all([change(sub, 12), change(sub, 15)]);
    const placed = answers.filter((answer) => answer.ok);
    expect(placed).toHaveLength(1);
    const refused = answers.find((answer) => !answer.ok);
    expect(
      refused?.ok === false &&
        ['subscription_changed', 'subscription_order_open'].includes(refused.error.code),
    ).toBe(true);
    const row = await subscriptionById(ctx.store.db, sub.id);
    const winner = placed[0]?.ok ? placed[0].value : undefined;
    expect(row?.seats).toBe(
      winner?.items[0]?.type === 'subscription_change' ? winner.items[0].connections : -1,
    );
  });
});
