import { performance } from 'node:perf_hooks';
import type { Order, Payment } from '../src/contract/orders.js';
import { bootstrapStaff, client } from '../test/support/http.js';
import {
  type Deployment,
  figureSuffix,
  POSTGRES,
  postgresUnavailable,
  SQLITE,
  serviceFor,
  startServices,
  withStore,
} from './deployment.js';
import { emit, inPool, percentile, postJson, progress, round, skip } from './support.js';

const CHECKOUTS = 400;
const WARM_UP = 20;
const CONCURRENCY = 16;

/**
 * Buying over HTTP as a customer's browser would: an order of a 10-connection key (priced, checked,
 * its invoice numbered) and its payment by the built-in test provider (the key issued in the
 * payment's transaction), each with its Idempotency-Key, 16 customers at a time.
 */
async function checkouts(deployment: Deployment): Promise<void> {
  await withStore(deployment.engine, 'seatkeeper-bench-checkout-', async (store) => {
    const services = await startServices(store, deployment.processes);
    try {
      const first = serviceFor(services, 0);
      const staff = await bootstrapStaff(first);
      const created = await client(first.url)<{ account: { id: string }; ownerToken: string }>(
        'POST',
        '/v1/accounts',
        { token: staff, body: { email: 'bench-buyer@example.com' } },
      );
      const { account, ownerToken } = created.body;
      const body = JSON.stringify({
        accountId: account.id,
        items: [{ type: 'key', sku: 'key-1y', connections: 10 }],
        paymentMethod: 'card',
      });
      const checkout = async (i: number) => {
        const base = serviceFor(services, i).url;
        const headers = (step: string) => ({
          authorization: `Bearer ${ownerToken}`,
          'idempotency-key': `bench-${step}-${i}`,
        });
        const began = performance.now();
        const ordered = await postJson(new URL('/v1/orders', base), body, headers('order'));
        if (ordered.status !== 201) throw new Error(`order ${ordered.status}: ${ordered.text}`);
        const order = JSON.parse(ordered.text) as Order;
        const placedAt = performance.now();
        const paid = await postJson(new URL(`/v1/orders/${order.id}/pay`, base), '{}', headers('pay'));
        const payment = JSON.parse(paid.text) as Payment;
        if (paid.status !== 200 || payment.order.fulfilment?.issuedLicenseIds.length !== 1)
          throw new Error(`payment ${paid.status}: ${paid.text}`);
        return { orderMs: placedAt - began, payMs: performance.now() - placedAt };
      };
      await inPool(
        Array.from({ length: WARM_UP }, (_, i) => CHECKOUTS + i),
        CONCURRENCY,
        checkout,
      );
      progress(`${CHECKOUTS} checkouts, ${CONCURRENCY} at a time, ${figureSuffix(deployment)}`);
      const began = performance.now();
      const timings = await inPool(
        Array.from({ length: CHECKOUTS }, (_, i) => i),
        CONCURRENCY,
        checkout,
      );
      const elapsed = performance.now() - began;
      const sorted = (pick: (t: (typeof timings)[number]) => number) =>
        Float64Array.from(timings.map(pick)).sort();
      emit(
        `checkouts_per_second_${figureSuffix(deployment)}`,
        Math.round((CHECKOUTS * 1000) / elapsed),
        'checkouts/s',
        {
          checkouts: CHECKOUTS,
          concurrency: CONCURRENCY,
          order_p95_ms: round(
            percentile(
              sorted((t) => t.orderMs),
              0.95,
            ),
            1,
          ),
          pay_p95_ms: round(
            percentile(
              sorted((t) => t.payMs),
              0.95,
            ),
            1,
          ),
        },
      );
    } finally {
      await services.stopAll();
    }
  });
}

export async function benchCheckout(): Promise<void> {
  await checkouts(SQLITE);
  const unavailable = postgresUnavailable();
  const [onePostgres] = POSTGRES;
  if (unavailable !== undefined || onePostgres === undefined)
    skip([`checkouts_per_second_postgres_1_process`], unavailable ?? 'no PostgreSQL deployment');
  else await checkouts(onePostgres);
}
