import Stripe from 'stripe';
import { type Clock, systemClock } from '../../domain/clock.js';
import type { EventCheck, PaymentOutcome, PaymentProvider, PaymentStart } from './provider.js';

export interface StripeProviderOptions {
  secretKey: string;
  webhookSecret: string;
  /** Stripe's API, https://api.stripe.com unless a local stand-in is named. */
  apiUrl?: URL | undefined;
  /** What a webhook signature's age is judged against. */
  clock?: Clock | undefined;
}

const SIGNATURE_HEADER = 'stripe-signature';

/**
 * Payments through Stripe Checkout: a payment is a hosted checkout page the customer is sent to,
 * and its end arrives as a signed webhook event. Every write carries the service's own id as its
 * idempotency key, so a retried start or refund is one session or one refund at Stripe.
 */
export function createStripeProvider(options: StripeProviderOptions): PaymentProvider {
  const { secretKey, webhookSecret } = options;
  const clock = options.clock ?? systemClock;
  const api = options.apiUrl;
  const stripe = new Stripe(secretKey, {
    ...(api === undefined
      ? {}
      : {
          host: api.hostname,
          port: api.port === '' ? (api.protocol === 'http:' ? 80 : 443) : Number(api.port),
          protocol: api.protocol === 'http:' ? 'http' : 'https',
        }),
    appInfo: { name: 'Seatkeeper' },
    // A customer waits on this call: fail in seconds rather than the SDK's 80, and retry twice.
    timeout: 20_000,
    maxNetworkRetries: 2,
  });
  const failure = (action: string, error: unknown) =>
    new Error(describeFailure(action, error, [secretKey, webhookSecret]));

  return {
    name: 'stripe',

    async start(payment: PaymentStart): Promise<PaymentOutcome> {
      let session: Stripe.Checkout.Session;
      try {
        session = await stripe.checkout.sessions.create(
          {
            mode: 'payment',
            // API 2026-09-30.endive removed `payment_method_types`: this filters the methods enabled
            // in the Stripe dashboard, so PayPal must be enabled there to be offered.
            allowed_payment_method_types: [payment.method],
            line_items: [
              {
                quantity: 1,
                price_data: {
                  currency: payment.amount.currency.toLowerCase(),
                  unit_amount: payment.amount.amount,
                  product_data: { name: payment.description },
                },
              },
            ],
            client_reference_id: payment.orderId,
            metadata: {
              paymentId: payment.paymentId,
              orderId: payment.orderId,
              orderNumber: payment.orderNumber,
            },
            success_url: payment.returnUrl,
            cancel_url: payment.returnUrl,
          },
          { idempotencyKey: payment.paymentId },
        );
      } catch (error) {
        if (error instanceof Stripe.errors.StripeCardError) {
          return {
            status: 'declined',
            // Stripe names the attempt when it made one; else its request id is what support looks up.
            providerRef: error.payment_intent?.id ?? error.charge ?? error.requestId ?? payment.paymentId,
            reason: error.message,
          };
        }
        throw failure('start a checkout session', error);
      }
      if (session.url === null)
        throw new Error(`Stripe answered checkout session ${session.id} without a URL`);
      return { status: 'pending', providerRef: session.id, actionUrl: session.url };
    },

    async refund({ providerRef, amount, refundId }) {
      try {
        const session = await stripe.checkout.sessions.retrieve(providerRef);
        const intent = session.payment_intent;
        const paymentIntent = typeof intent === 'string' ? intent : intent?.id;
        if (paymentIntent === undefined)
          throw new Error(`checkout session ${providerRef} has no payment at Stripe to refund`);
        if (session.currency !== null && session.currency !== amount.currency.toLowerCase())
          throw new Error(
            `checkout session ${providerRef} was paid in ${session.currency.toUpperCase()}, not ${amount.currency}`,
          );
        const refund = await stripe.refunds.create(
          { payment_intent: paymentIntent, amount: amount.amount },
          { idempotencyKey: refundId },
        );
        return { providerRef: refund.id };
      } catch (error) {
        throw failure('refund', error);
      }
    },

    verifyEvent(rawBody, headers): EventCheck {
      const header = headerValue(headers, SIGNATURE_HEADER);
      if (header === undefined) return { ok: false, reason: 'No Stripe-Signature header.' };
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(
          rawBody,
          header,
          webhookSecret,
          stripe.webhooks.DEFAULT_TOLERANCE,
          undefined,
          clock.now().getTime(),
        );
      } catch (error) {
        return { ok: false, reason: signatureRefusal(error) };
      }
      // Signed, so from Stripe; still, a body without an object is refused rather than crashed on.
      const object: unknown = (event as { data?: { object?: unknown } } | null)?.data?.object;
      if (typeof event?.id !== 'string' || typeof object !== 'object' || object === null)
        return { ok: false, reason: 'The body is not a Stripe event.' };
      return readEvent(event);
    },
  };
}

/** The one event outcome each Checkout event means for its payment; null for what changes nothing. */
function readEvent(event: Stripe.Event): EventCheck {
  // A checkout the vendor's Stripe account made for something else (its web shop) is not ours.
  const ours = (session: Stripe.Checkout.Session) =>
    typeof session.id === 'string' && typeof session.metadata?.paymentId === 'string';
  const answer = (session: Stripe.Checkout.Session, outcome: 'succeeded' | 'declined', reason?: string) => ({
    ok: true as const,
    event: ours(session)
      ? { eventId: event.id, providerRef: session.id, outcome, ...(reason === undefined ? {} : { reason }) }
      : null,
  });
  switch (event.type) {
    case 'checkout.session.completed':
      // An async method (a bank debit) completes unpaid and settles later: Stripe's fulfilment guide.
      return event.data.object.payment_status === 'unpaid'
        ? { ok: true, event: null }
        : answer(event.data.object, 'succeeded');
    case 'checkout.session.async_payment_succeeded':
      return answer(event.data.object, 'succeeded');
    case 'checkout.session.async_payment_failed':
      return answer(event.data.object, 'declined', 'The payment failed.');
    case 'checkout.session.expired':
      return answer(event.data.object, 'declined', 'The checkout expired before it was paid.');
    default:
      return { ok: true, event: null };
  }
}

function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const text = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
    return text === undefined || text.trim() === '' ? undefined : text;
  }
  return undefined;
}

/** A short reason for a refused delivery; the SDK's own messages run to several lines of advice. */
function signatureRefusal(error: unknown): string {
  if (!(error instanceof Stripe.errors.StripeSignatureVerificationError))
    return 'The body is not a Stripe event.';
  const message = error.message;
  if (message.startsWith('Timestamp outside the tolerance zone'))
    return 'The signature is too old: a replayed delivery.';
  if (message.startsWith('No signatures found matching'))
    return 'The signature does not match the body and the webhook secret.';
  if (message.startsWith('No webhook payload')) return 'The body is empty.';
  return 'The Stripe-Signature header is malformed.';
}

/** What went wrong, for the log and the operator: never a key, whatever Stripe's message held. */
function describeFailure(action: string, error: unknown, secrets: string[]): string {
  const scrub = (text: string) =>
    secrets
      .filter((secret) => secret !== '')
      .reduce((clean, secret) => clean.split(secret).join('[redacted]'), text)
      .replace(/\b(?:sk|rk|whsec)_[A-Za-z0-9_*]+/g, '[redacted]');
  if (error instanceof Stripe.errors.StripeAuthenticationError)
    return `Stripe refused the API key (STRIPE_SECRET_KEY) when asked to ${action}`;
  if (error instanceof Stripe.errors.StripeConnectionError)
    return `Stripe could not be reached to ${action}: ${scrub(error.message)}`;
  if (error instanceof Stripe.errors.StripeError) {
    const details = [
      error.rawType ?? error.type,
      error.code,
      error.statusCode && `HTTP ${error.statusCode}`,
      error.requestId,
    ]
      .filter(Boolean)
      .join(', ');
    return `Stripe refused to ${action} (${details}): ${scrub(error.message)}`;
  }
  return `Could not ${action} at Stripe: ${scrub(error instanceof Error ? error.message : String(error))}`;
}
