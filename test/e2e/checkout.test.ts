import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { License } from '../../src/contract/licenses.js';
import type { Order, Payment } from '../../src/contract/orders.js';
import { systemClock } from '../../src/domain/clock.js';
import type { Engine } from '../../src/service/store/database.js';
import { freshStore, type TestStore } from '../support/engines.js';
import { type FakeStripe, startFakeStripe } from '../support/fake-stripe.js';
import { bootstrapStaff, type Call, client, expectProblem } from '../support/http.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

const SECRET_KEY = 'sk_test_checkout0000000000';
const WEBHOOK_SECRET = 'whsec_checkout0000000000';

/**
 * Checkout through Stripe (its local stand-in) on two service processes sharing one store: a
 * retried create-order makes one order, and Stripe's confirmation, delivered to both processes
 * several times at once, issues the order's key once. A forged or replayed delivery does nothing.
 */
describe.each(['sqlite', 'postgres'] as Engine[])('%s, two service processes: checkout', (engine) => {
  const skipped = engine === 'postgres' && !process.env.DATABASE_URL;
  let store: TestStore;
  let stripe: FakeStripe;
  const services: ServiceProcess[] = [];
  const calls: Call[] = [];
  let owner: string;
  let staff: string;
  let accountId: string;

  beforeAll(async () => {
    if (skipped) return;
    store = await freshStore(engine);
    stripe = await startFakeStripe({
      secretKey: SECRET_KEY,
      webhookSecret: WEBHOOK_SECRET,
      clock: systemClock,
    });
    const env = {
      SEATKEEPER_PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SEATKEEPER_STRIPE_API_URL: stripe.url.toString(),
    };
    // On SQLite one after the other: the first creates the file and its schema.
    for (let i = 0; i < 2; i++) {
      const service = await startService({ dataDir: store.dataDir, databaseUrl: store.databaseUrl, env });
      services.push(service);
      calls.push(client(service.url));
    }
    expect(services[0]?.stderr()).toContain('Payments: Stripe');
    staff = await bootstrapStaff(services[0] as ServiceProcess);
    const created = await (calls[0] as Call)<{ account: { id: string }; ownerToken: string }>(
      'POST',
      '/v1/accounts',
      {
        token: staff,
        body: { email: 'buyer@customer.example' },
      },
    );
    accountId = created.body.account.id;
    owner = created.body.ownerToken;
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await stripe?.close();
    await store?.cleanup();
  });

  const first: Call = (method, path, options) => (calls[0] as Call)(method, path, options);
  const second: Call = (method, path, options) => (calls[1] as Call)(method, path, options);
  const orderBody = () => ({
    accountId,
    items: [{ type: 'key', sku: 'key-1y', connections: 10 }],
    paymentMethod: 'card',
  });

  async function pendingStripePayment(): Promise<{ order: Order; payment: Payment; sessionId: string }> {
    const key = randomUUID();
    const [made, retried] = await Promise.all([
      first<Order>('POST', '/v1/orders', {
        token: owner,
        headers: { 'idempotency-key': key },
        body: orderBody(),
      }),
      second<Order>('POST', '/v1/orders', {
        token: owner,
        headers: { 'idempotency-key': key },
        body: orderBody(),
      }),
    ]);
    expect([made.status, retried.status]).toEqual([201, 201]);
    expect(retried.body.id).toBe(made.body.id);
    const paid = await second<Payment>('POST', `/v1/orders/${made.body.id}/pay`, {
      token: owner,
      headers: { 'idempotency-key': randomUUID() },
      body: {},
    });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'pending', method: 'card', amount: 180_00 });
    const session = [...stripe.sessions.values()].find(
      (candidate) => (candidate.metadata as Record<string, string>).paymentId === paid.body.id,
    );
    if (session === undefined) throw new Error('no Checkout Session for the payment');
    expect(paid.body.actionUrl).toBe(session.url);
    return { order: made.body, payment: paid.body, sessionId: session.id };
  }

  const webhook = (call: typeof first, payload: string, signature: string) =>
    call('POST', '/v1/payments/stripe/webhook', {
      raw: payload,
      contentType: 'application/json',
      headers: { 'stripe-signature': signature },
    });

  it.skipIf(skipped)(
    'issues the key once when Stripe confirms the payment to both processes at once',
    async () => {
      const { order, sessionId } = await pendingStripePayment();
      const delivery = stripe.pay(sessionId);
      const answers = await Promise.all(
        [first, second, first, second, first, second].map((call) =>
          webhook(call, delivery.payload, delivery.header),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);

      const paid = await first<Order>('GET', `/v1/orders/${order.id}`, { token: owner });
      expect(paid.body.status).toBe('paid');
      const keys = await second<{ licenses: License[] }>('GET', '/v1/licenses', { token: owner });
      const ordered = keys.body.licenses.filter((key) => key.orderNumber === order.number);
      expect(ordered).toHaveLength(1);
      expect(paid.body.fulfilment?.issuedLicenseIds).toEqual(ordered.map((key) => key.id));
      const invoice = await first<{ status: string }>('GET', `/v1/invoices/${order.invoiceId}`, {
        token: owner,
      });
      expect(invoice.body.status).toBe('paid');

      // A refund goes back to the payment's intent, keyed by the refund so that a retry refunds once.
      const refunded = await second('POST', `/v1/licenses/${ordered[0]?.id}/refund`, { token: staff });
      expect(refunded.status).toBe(200);
      const sent = stripe.requests.filter((request) => request.path === '/v1/refunds');
      expect(sent).toHaveLength(1);
      expect(sent[0]?.params).toMatchObject({ amount: '18000' });
      expect(sent[0]?.idempotencyKey).toMatch(/^rfd_/);
    },
  );

  it.skipIf(skipped)('refuses a tampered and a replayed confirmation, and changes nothing', async () => {
    const { order, payment, sessionId } = await pendingStripePayment();
    // The test provider's completion cannot pay what Stripe has not: the customer's token gets nothing.
    const selfPaid = await first('POST', `/v1/payments/${payment.id}/test-completion`, {
      token: owner,
      body: { outcome: 'succeeded' },
    });
    expectProblem(selfPaid, 404, 'payment_not_found');
    const genuine = stripe.pay(sessionId);
    const tampered = genuine.payload.replace(/"amount_total":\s*18000/, '"amount_total": 1');
    expect(tampered).not.toBe(genuine.payload);
    expectProblem(await webhook(first, tampered, genuine.header), 400, 'webhook_signature_invalid');
    const replayed = stripe.pay(sessionId, new Date(Date.now() - 10 * 60_000));
    expectProblem(await webhook(second, replayed.payload, replayed.header), 400, 'webhook_signature_invalid');
    expectProblem(await webhook(first, genuine.payload, 't=1,v1=00'), 400, 'webhook_signature_invalid');
    const still = await first<Order>('GET', `/v1/orders/${order.id}`, { token: owner });
    expect(still.body.status).toBe('open');
  });
});
