import { afterEach, beforeEach } from 'vitest';
import type { Order } from '../../src/contract/orders.js';
import { newId } from '../../src/domain/ids.js';
import type { OrderItem } from '../../src/domain/order.js';
import { createAccount } from '../../src/service/accounts/operations.js';
import type { Principal } from '../../src/service/auth/principal.js';
import { addPriceBook } from '../../src/service/catalog/operations.js';
import type { ServiceContext } from '../../src/service/context.js';
import { payOrder } from '../../src/service/orders/checkout.js';
import { createOrder } from '../../src/service/orders/operations.js';
import type { Engine } from '../../src/service/store/database.js';
import { joinPool } from '../../src/service/subscriptions/join.js';
import { type SubscriptionView, showSubscription } from '../../src/service/subscriptions/lifecycle.js';
import { ManualClock } from './clock.js';
import { testContext } from './engines.js';
import { accountWithKey, machine } from './factories.js';
import { flatSubscriptionBook } from './price-books.js';
import { value } from './results.js';

export type Owner = Extract<Principal, { kind: 'account' }>;

export const ownerOf = (accountId: string): Owner => ({
  kind: 'account',
  userId: 'usr_owner',
  accountId,
  role: 'owner',
});

let keySeq = 0;
export const newKey = () => `idem-${++keySeq}-${Math.random().toString(36).slice(2)}`;

/** Orders `items` by card for the owner's account. */
export const order = (ctx: ServiceContext, owner: Owner, items: OrderItem[]) =>
  createOrder(ctx, owner, { accountId: owner.accountId, items, paymentMethod: 'card' }, newKey());

/** Pays an order by an approved test card; returns it paid. */
export async function pay(ctx: ServiceContext, owner: Principal, placed: Order): Promise<Order> {
  const paid = value(await payOrder(ctx, owner, placed.id, {}, newKey()));
  if (paid.status !== 'succeeded') throw new Error(`payment ${paid.status}: ${paid.declineReason}`);
  return paid.order;
}

/** A monthly subscription of `connections` bought and paid through an order now. */
export async function boughtSubscription(
  ctx: ServiceContext,
  owner: Owner,
  connections: number,
): Promise<SubscriptionView> {
  const placed = value(
    await order(ctx, owner, [{ type: 'subscription', sku: 'subscription-monthly', connections }]),
  );
  const paid = await pay(ctx, owner, placed);
  return value(await showSubscription(ctx, owner, paid.fulfilment?.subscriptionIds[0] ?? ''));
}

/** A server joined to the subscription's pool. */
export async function joined(ctx: ServiceContext, sub: SubscriptionView, seed: string): Promise<string> {
  const serverId = newId('srv', ctx.clock.now().getTime());
  value(await joinPool(ctx, { key: sub.key, serverId, fingerprint: machine(seed) }));
  return serverId;
}

/**
 * The orders' store tests: a fresh store and clock for each test, and a customer account (with a
 * key staff issued) whose owner buys.
 */
export function buyerFixture(engine: Engine, start = '2026-11-30T10:00:00.000Z') {
  let ctx: Awaited<ReturnType<typeof testContext>>;
  let clock: ManualClock;
  let owner: Owner;
  beforeEach(async () => {
    clock = new ManualClock(start);
    ctx = await testContext(engine, clock);
    owner = ownerOf((await accountWithKey(ctx)).accountId);
  });
  afterEach(() => ctx.cleanup());
  return {
    get ctx() {
      return ctx;
    },
    get clock() {
      return clock;
    },
    get owner() {
      return owner;
    },
    get accountId() {
      return owner.accountId;
    },
  };
}

/**
 * The subscription billing tests: a fresh store whose price book sells subscriptions at a flat
 * $10.00 per connection a month from 1 December 2026, the clock on that day, and a new account.
 */
export function subscriberFixture(engine: Engine) {
  let ctx: Awaited<ReturnType<typeof testContext>>;
  let clock: ManualClock;
  let owner: Owner;
  beforeEach(async () => {
    clock = new ManualClock('2026-11-30T00:00:00.000Z');
    ctx = await testContext(engine, clock);
    value(
      await addPriceBook(ctx, {
        book: flatSubscriptionBook('flat-2026-12', '2026-12-01T00:00:00.000Z', 10_00),
        actor: 'usr_staff',
      }),
    );
    owner = ownerOf(value(await createAccount(ctx, { email: 'buyer@example.com' })).account.id);
    clock.set('2026-12-01T00:00:00.000Z');
  });
  afterEach(() => ctx.cleanup());
  return {
    get ctx() {
      return ctx;
    },
    get clock() {
      return clock;
    },
    get owner() {
      return owner;
    },
  };
}

/** The ids of the keys that carry an order's number. */
export async function keysOfOrder(ctx: ServiceContext, orderNumber: string): Promise<string[]> {
  const rows = await ctx.store.db
    .selectFrom('licenses')
    .select('id')
    .where('order_number', '=', orderNumber)
    .execute();
  return rows.map((row) => row.id);
}
