import { afterEach, beforeEach } from 'vitest';
import type { Order } from '../../src/contract/orders.js';
import { newId } from '../../src/domain/ids.js';
import type { OrderItem } from '../../src/domain/order.js';
import type { Principal } from '../../src/service/auth/principal.js';
import type { ServiceContext } from '../../src/service/context.js';
import { payOrder } from '../../src/service/orders/checkout.js';
import { createOrder } from '../../src/service/orders/operations.js';
import type { Engine } from '../../src/service/store/database.js';
import { joinPool } from '../../src/service/subscriptions/join.js';
import { type SubscriptionView, showSubscription } from '../../src/service/subscriptions/lifecycle.js';
import { ManualClock } from './clock.js';
import { testContext } from './engines.js';
import { accountWithKey, machine } from './factories.js';
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
