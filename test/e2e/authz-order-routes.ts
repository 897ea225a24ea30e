import { randomUUID } from 'node:crypto';
import { newId } from '../../src/domain/ids.js';
import type { Principal } from '../../src/service/auth/principal.js';
import { payOrder } from '../../src/service/orders/checkout.js';
import { createOrder } from '../../src/service/orders/operations.js';
import { TEST_CARDS } from '../../src/service/payments/test-provider.js';
import type { BearerCase, Entry, World } from './authz-routes.js';

/**
 * The order and payment routes' rows of the authorization MATRIX: only the account's owner (and
 * staff) buy and pay; members are refused; another account's orders answer as unknown.
 */

const UNKNOWN_ORDER = newId('ord', 1);
const UNKNOWN_PAYMENT = newId('pay', 1);
const UNKNOWN_ACCOUNT = newId('acc', 1);

const OWNER_AND_STAFF = (success: number): Record<BearerCase, number> => ({
  'no token': 401,
  'garbage token': 401,
  "another account's owner": 404,
  member: 403,
  owner: success,
  staff: success,
});

const items = [{ type: 'key', sku: 'key-1y', connections: 10 }];
const idempotent = () => ({ 'idempotency-key': `matrix-${randomUUID()}` });
const staffOf = (): Principal => ({ kind: 'staff', userId: 'usr_matrix' });

async function openOrderOfA(w: World): Promise<string> {
  const order = await createOrder(
    w.ctx,
    staffOf(),
    { accountId: w.a.accountId, items: items as never, paymentMethod: 'card' },
    `matrix-${randomUUID()}`,
  );
  if (!order.ok) throw new Error(order.error.detail);
  return order.value.id;
}

async function pendingPaymentOfA(w: World): Promise<string> {
  const paid = await payOrder(
    w.ctx,
    staffOf(),
    await openOrderOfA(w),
    { paymentToken: TEST_CARDS.threeDSecure },
    `matrix-${randomUUID()}`,
  );
  if (!paid.ok) throw new Error(paid.error.detail);
  return paid.value.id;
}

export const ORDER_ROUTES: Record<string, Entry> = {
  'POST /v1/quotes': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF(201),
    request: (w) => ({ path: '/v1/quotes', body: { accountId: w.a.accountId, items } }),
    unknown: () => ({ path: '/v1/quotes', body: { accountId: UNKNOWN_ACCOUNT, items } }),
  },
  'POST /v1/orders': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF(201),
    request: (w) => ({
      path: '/v1/orders',
      headers: idempotent(),
      body: { accountId: w.a.accountId, items, paymentMethod: 'card' },
    }),
    unknown: () => ({
      path: '/v1/orders',
      headers: idempotent(),
      body: { accountId: UNKNOWN_ACCOUNT, items, paymentMethod: 'card' },
    }),
  },
  'GET /v1/orders': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF(200),
    request: (w) => ({ path: `/v1/orders?accountId=${w.a.accountId}` }),
    unknown: () => ({ path: `/v1/orders?accountId=${UNKNOWN_ACCOUNT}` }),
  },
  'GET /v1/orders/{id}': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF(200),
    request: async (w) => ({ path: `/v1/orders/${await openOrderOfA(w)}` }),
    unknown: () => ({ path: `/v1/orders/${UNKNOWN_ORDER}` }),
  },
  'POST /v1/orders/{id}/pay': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF(200),
    request: async (w) => ({
      path: `/v1/orders/${await openOrderOfA(w)}/pay`,
      headers: idempotent(),
      body: {},
    }),
    unknown: () => ({ path: `/v1/orders/${UNKNOWN_ORDER}/pay`, headers: idempotent(), body: {} }),
  },
  'POST /v1/orders/{id}/cancel': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF(200),
    request: async (w) => ({ path: `/v1/orders/${await openOrderOfA(w)}/cancel` }),
    unknown: () => ({ path: `/v1/orders/${UNKNOWN_ORDER}/cancel` }),
  },
  'POST /v1/payments/{id}/test-completion': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF(200),
    request: async (w) => ({
      path: `/v1/payments/${await pendingPaymentOfA(w)}/test-completion`,
      body: { outcome: 'succeeded' },
    }),
    unknown: () => ({
      path: `/v1/payments/${UNKNOWN_PAYMENT}/test-completion`,
      body: { outcome: 'succeeded' },
    }),
  },
  'POST /v1/payments/stripe/webhook': {
    auth: 'public',
    // This service takes payments through the test provider: no webhook verifies.
    expect: { anyone: 400 },
    request: () => ({ path: '/v1/payments/stripe/webhook', body: { type: 'checkout.session.completed' } }),
  },
};
