import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { type FakeStripe, startFakeStripe } from '../../../test/support/fake-stripe.js';
import { money } from '../../domain/money.js';
import type { PaymentProvider, PaymentStart } from './provider.js';
import { createStripeProvider } from './stripe-provider.js';

const SECRET_KEY = 'sk_test_51SeatkeeperFakeKey0000000000';
const WEBHOOK_SECRET = 'whsec_seatkeeperFakeSigningSecret000';

let clock: ManualClock;
let fake: FakeStripe;
let stripe: PaymentProvider;

beforeEach(async () => {
  clock = new ManualClock('2026-11-23T12:00:00.000Z');
  fake = await startFakeStripe({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, clock });
  stripe = createStripeProvider({
    secretKey: SECRET_KEY,
    webhookSecret: WEBHOOK_SECRET,
    apiUrl: fake.url,
    clock,
  });
});

afterEach(async () => {
  await fake.close();
});

const payment = (overrides: Partial<PaymentStart> = {}): PaymentStart => ({
  paymentId: 'pay_01JDXAMPLE0000000000000001',
  orderId: 'ord_01JDXAMPLE0000000000000001',
  orderNumber: 'O-000042',
  amount: money(12_900, 'EUR'),
  method: 'card',
  description: 'Access Server, 10 connections, 1 year',
  returnUrl: 'https://licensing.example.com/portal/orders/ord_01JDXAMPLE0000000000000001',
  ...overrides,
});

/** Starts a checkout and answers its session id. */
async function started(overrides: Partial<PaymentStart> = {}): Promise<string> {
  const outcome = await stripe.start(payment(overrides));
  if (outcome.status !== 'pending') throw new Error(`expected a pending checkout, got ${outcome.status}`);
  return outcome.providerRef;
}

const verify = (delivery: { payload: string; header: string }, provider = stripe) =>
  provider.verifyEvent(delivery.payload, { 'stripe-signature': delivery.header });

describe('starting a payment through Stripe Checkout', () => {
  it('creates one session with the amount, currency, method and metadata, keyed by the payment id', async () => {
    const outcome = await stripe.start(payment());
    const session = [...fake.sessions.values()][0];
    expect(stripe.name).toBe('stripe');
    expect(outcome).toEqual({ status: 'pending', providerRef: session?.id, actionUrl: session?.url });
    expect(outcome.providerRef).toMatch(/^cs_test_/);
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/v1/checkout/sessions',
      authorization: `Bearer ${SECRET_KEY}`,
      idempotencyKey: 'pay_01JDXAMPLE0000000000000001',
    });
    expect(request?.params).toEqual({
      mode: 'payment',
      allowed_payment_method_types: ['card'],
      line_items: [
        {
          quantity: '1',
          price_data: {
            currency: 'eur',
            unit_amount: '12900',
            product_data: { name: 'Access Server, 10 connections, 1 year' },
          },
        },
      ],
      client_reference_id: 'ord_01JDXAMPLE0000000000000001',
      metadata: {
        paymentId: 'pay_01JDXAMPLE0000000000000001',
        orderId: 'ord_01JDXAMPLE0000000000000001',
        orderNumber: 'O-000042',
      },
      success_url: 'https://licensing.example.com/portal/orders/ord_01JDXAMPLE0000000000000001',
      cancel_url: 'https://licensing.example.com/portal/orders/ord_01JDXAMPLE0000000000000001',
    });
    expect(session).toMatchObject({ amount_total: 12_900, currency: 'eur', payment_status: 'unpaid' });
  });

  it('gives the same session to a retry with the same payment id', async () => {
    const first = await stripe.start(payment());
    const retry = await stripe.start(payment());
    expect(retry).toEqual(first);
    expect(fake.sessions.size).toBe(1);
    expect(fake.requests.map((r) => r.idempotencyKey)).toEqual([
      'pay_01JDXAMPLE0000000000000001',
      'pay_01JDXAMPLE0000000000000001',
    ]);
  });

  it('asks for PayPal when the customer chose it', async () => {
    await started({ method: 'paypal', paymentId: 'pay_paypal', amount: money(4_500, 'USD') });
    expect(fake.requests[0]?.params).toMatchObject({
      allowed_payment_method_types: ['paypal'],
      line_items: [{ price_data: { currency: 'usd', unit_amount: '4500' } }],
    });
  });

  it('refuses to reuse a payment id for a different amount, as Stripe does', async () => {
    await started();
    await expect(stripe.start(payment({ amount: money(99, 'EUR') }))).rejects.toThrow(
      /Stripe refused to start a checkout session \(idempotency_error, HTTP 400, req_test_\w+\)/,
    );
  });

  it('answers declined when Stripe declines the card at creation', async () => {
    fake.refuseNext(402, { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' });
    const outcome = await stripe.start(payment());
    expect(outcome).toMatchObject({ status: 'declined', reason: 'Your card was declined.' });
    expect(outcome.providerRef).toMatch(/^req_test_/);
  });

  it('throws a clear error for a request Stripe finds invalid', async () => {
    fake.refuseNext(400, {
      type: 'invalid_request_error',
      code: 'parameter_invalid_integer',
      message: 'Invalid integer: 12.5',
    });
    await expect(stripe.start(payment())).rejects.toThrow(
      /^Stripe refused to start a checkout session \(invalid_request_error, parameter_invalid_integer, HTTP 400, req_test_\w+\): Invalid integer: 12\.5$/,
    );
  });

  it('throws an error that names the setting but not the key when Stripe refuses the API key', async () => {
    const wrongKey = 'sk_test_51SomeoneElsesKey9999999999';
    const misconfigured = createStripeProvider({
      secretKey: wrongKey,
      webhookSecret: WEBHOOK_SECRET,
      apiUrl: fake.url,
      clock,
    });
    const error = await misconfigured.start(payment()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toBe(
      'Stripe refused the API key (STRIPE_SECRET_KEY) when asked to start a checkout session',
    );
    expect(message).not.toContain(wrongKey.slice(-4));
    expect(Object.keys(error as object)).toEqual([]);
    // The fake answered as Stripe does: 401 and its error shape.
    expect(fake.requests[0]?.authorization).toBe(`Bearer ${wrongKey}`);
    expect(fake.sessions.size).toBe(0);
  });

  it('throws a clear error when Stripe cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = createStripeProvider({
      secretKey: SECRET_KEY,
      webhookSecret: WEBHOOK_SECRET,
      apiUrl: new URL(`http://127.0.0.1:${port}`),
      clock,
    });
    const error = await unreachable.start(payment()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Stripe could not be reached to start a checkout session: /);
    expect((error as Error).message).not.toContain(SECRET_KEY);
  });
});

describe('verifying a Stripe webhook delivery', () => {
  it('maps a signed, paid checkout.session.completed to succeeded', async () => {
    const session = await started();
    const delivery = fake.pay(session);
    const eventId = JSON.parse(delivery.payload).id as string;
    expect(eventId).toMatch(/^evt_/);
    expect(verify(delivery)).toEqual({
      ok: true,
      event: { eventId, providerRef: session, outcome: 'succeeded' },
    });
    // Header names arrive lower-cased from Node, but are matched whatever their case.
    expect(stripe.verifyEvent(delivery.payload, { 'Stripe-Signature': delivery.header }).ok).toBe(true);
  });

  it('maps async success to succeeded, async failure and expiry to declined', async () => {
    const paid = await started({ paymentId: 'pay_a' });
    const failed = await started({ paymentId: 'pay_b' });
    const expired = await started({ paymentId: 'pay_c' });
    const settled = fake.deliver('checkout.session.async_payment_succeeded', {
      ...fake.sessions.get(paid),
      payment_status: 'paid',
    });
    expect(verify(settled)).toMatchObject({ ok: true, event: { providerRef: paid, outcome: 'succeeded' } });
    expect(verify(fake.fail(failed))).toMatchObject({
      ok: true,
      event: { providerRef: failed, outcome: 'declined', reason: 'The payment failed.' },
    });
    expect(verify(fake.expire(expired))).toMatchObject({
      ok: true,
      event: {
        providerRef: expired,
        outcome: 'declined',
        reason: 'The checkout expired before it was paid.',
      },
    });
  });

  it('answers null for genuine events the service does not act on', async () => {
    const session = await started();
    const pendingDebit = fake.deliver('checkout.session.completed', {
      ...fake.sessions.get(session),
      status: 'complete',
      payment_status: 'unpaid',
    });
    expect(verify(pendingDebit)).toEqual({ ok: true, event: null });
    expect(
      verify(fake.deliver('payment_intent.succeeded', { id: 'pi_test_1', object: 'payment_intent' })),
    ).toEqual({ ok: true, event: null });
    expect(verify(fake.deliver('charge.refunded', { id: 'ch_test_1', object: 'charge' }))).toEqual({
      ok: true,
      event: null,
    });
    // A checkout the vendor's Stripe account made for something else carries none of our metadata.
    const foreign = fake.deliver('checkout.session.completed', {
      id: 'cs_test_webshop',
      object: 'checkout.session',
      payment_status: 'paid',
      metadata: {},
    });
    expect(verify(foreign)).toEqual({ ok: true, event: null });
  });

  it('refuses a tampered body', async () => {
    const session = await started();
    const delivery = fake.expire(session);
    const forged = delivery.payload.replace('checkout.session.expired', 'checkout.session.completed');
    expect(forged).not.toBe(delivery.payload);
    expect(verify({ payload: forged, header: delivery.header })).toEqual({
      ok: false,
      reason: 'The signature does not match the body and the webhook secret.',
    });
  });

  it('refuses a delivery replayed more than 300 seconds after it was signed', async () => {
    const session = await started();
    const delivery = fake.pay(session);
    clock.advance(300_000);
    expect(verify(delivery).ok).toBe(true);
    clock.advance(1_000);
    expect(verify(delivery)).toEqual({ ok: false, reason: 'The signature is too old: a replayed delivery.' });
  });

  it('refuses a delivery whose signature is 10 minutes old', async () => {
    const session = await started();
    const old = fake.pay(session, new Date(clock.now().getTime() - 600_000));
    expect(verify(old)).toEqual({ ok: false, reason: 'The signature is too old: a replayed delivery.' });
  });

  it('refuses a delivery signed with another secret', async () => {
    const session = await started();
    const otherEndpoint = createStripeProvider({
      secretKey: SECRET_KEY,
      webhookSecret: 'whsec_anotherEndpointsSecret',
      apiUrl: fake.url,
      clock,
    });
    expect(verify(fake.pay(session), otherEndpoint)).toEqual({
      ok: false,
      reason: 'The signature does not match the body and the webhook secret.',
    });
  });

  it.each([
    [{}, 'No Stripe-Signature header.'],
    [{ 'stripe-signature': '' }, 'No Stripe-Signature header.'],
    [{ 'stripe-signature': undefined }, 'No Stripe-Signature header.'],
    [{ 'stripe-signature': ['t=1,v1=a', 't=2,v1=b'] }, 'No Stripe-Signature header.'],
    [{ 'stripe-signature': 'garbage' }, 'The Stripe-Signature header is malformed.'],
    [{ 'stripe-signature': 't=1764331200,v0=abc' }, 'The Stripe-Signature header is malformed.'],
  ])('refuses headers %o: %s', async (headers, reason) => {
    const session = await started();
    expect(stripe.verifyEvent(fake.pay(session).payload, headers)).toEqual({ ok: false, reason });
  });

  it.each(['{"id": "evt_1", "object": "event", "type": "checkout.session.completed"}', 'not JSON', 'null'])(
    'refuses a signed body that is not an event: %s',
    (payload) => {
      const timestamp = Math.floor(clock.now().getTime() / 1000);
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp });
      expect(verify({ payload, header })).toEqual({ ok: false, reason: 'The body is not a Stripe event.' });
    },
  );

  it('refuses an empty body', () => {
    expect(verify({ payload: '', header: 't=1764331200,v1=abc' })).toEqual({
      ok: false,
      reason: 'The body is empty.',
    });
  });
});

describe('refunding a Stripe payment', () => {
  it("refunds the session's payment intent, keyed by the refund id", async () => {
    const session = await started();
    fake.pay(session);
    const intent = fake.sessions.get(session)?.payment_intent;
    expect(intent).toMatch(/^pi_test_/);
    const refund = await stripe.refund({
      providerRef: session,
      amount: money(5_000, 'EUR'),
      refundId: 'rfd_01JDXAMPLE',
    });
    expect(refund.providerRef).toMatch(/^re_test_/);
    const [read, create] = fake.requests.slice(1);
    expect(read).toMatchObject({ method: 'GET', path: `/v1/checkout/sessions/${session}` });
    expect(create).toMatchObject({
      method: 'POST',
      path: '/v1/refunds',
      idempotencyKey: 'rfd_01JDXAMPLE',
      params: { payment_intent: intent, amount: '5000' },
    });
    // A retry is the same refund, not a second one.
    const retry = await stripe.refund({
      providerRef: session,
      amount: money(5_000, 'EUR'),
      refundId: 'rfd_01JDXAMPLE',
    });
    expect(retry).toEqual(refund);
    await expect(
      stripe.refund({ providerRef: session, amount: money(7_901, 'EUR'), refundId: 'rfd_2' }),
    ).rejects.toThrow(/^Stripe refused to refund \(invalid_request_error, amount_too_large, HTTP 400/);
  });

  it('refuses to refund a checkout that was never paid', async () => {
    const session = await started();
    await expect(
      stripe.refund({ providerRef: session, amount: money(100, 'EUR'), refundId: 'rfd_1' }),
    ).rejects.toThrow(
      `Could not refund at Stripe: checkout session ${session} has no payment at Stripe to refund`,
    );
  });

  it('surfaces the refusal of a payment intent Stripe never charged', async () => {
    const session = await started();
    fake.fail(session);
    await expect(
      stripe.refund({ providerRef: session, amount: money(100, 'EUR'), refundId: 'rfd_1' }),
    ).rejects.toThrow(
      /Stripe refused to refund \(invalid_request_error, resource_missing, HTTP 400, .*No such payment_intent/,
    );
  });

  it('refuses a refund in another currency than the payment', async () => {
    const session = await started();
    fake.pay(session);
    await expect(
      stripe.refund({ providerRef: session, amount: money(100, 'USD'), refundId: 'rfd_1' }),
    ).rejects.toThrow(`checkout session ${session} was paid in EUR, not USD`);
  });

  it('surfaces an unknown session as a clear error', async () => {
    await expect(
      stripe.refund({ providerRef: 'cs_test_missing', amount: money(100, 'EUR'), refundId: 'rfd_1' }),
    ).rejects.toThrow(/^Stripe refused to refund \(invalid_request_error, resource_missing, HTTP 404/);
  });
});
