import type { Money } from '../../domain/money.js';

/**
 * What the order model asks of a payment processor. A payment starts for one order; the processor
 * answers at once (approved, declined) or later (a 3-D Secure step, a hosted checkout page), and a
 * later answer arrives as an event that the service verifies before it believes it.
 */

/** How a customer pays online; bank wire, ACH and purchase orders are settled by staff instead. */
export type OnlineMethod = 'card' | 'paypal';

export interface PaymentStart {
  /** The service's own payment id: the processor's idempotency key, so a retry charges once. */
  paymentId: string;
  orderId: string;
  orderNumber: string;
  amount: Money;
  method: OnlineMethod;
  description: string;
  /** What the provider's own payment form produced (the test provider: a test card number). */
  paymentToken?: string | undefined;
  /** Where a hosted page sends the customer back to, once done. */
  returnUrl: string;
}

export type PaymentOutcome =
  | { status: 'succeeded'; providerRef: string }
  | { status: 'declined'; providerRef: string; reason: string }
  | {
      status: 'pending';
      providerRef: string;
      /** Where the customer completes the payment: a 3-D Secure challenge, a checkout page. */
      actionUrl: string;
    };

/** A verified notice from the processor that a pending payment ended. */
export interface PaymentEvent {
  /** The processor's event id: one notice delivered twice has one id. */
  eventId: string;
  providerRef: string;
  outcome: 'succeeded' | 'declined';
  reason?: string | undefined;
}

export type EventCheck = { ok: true; event: PaymentEvent | null } | { ok: false; reason: string };

export interface PaymentProvider {
  readonly name: 'test' | 'stripe';
  start(payment: PaymentStart): Promise<PaymentOutcome>;
  /** Refunds to the original method; `refundId` is the service's own id, its idempotency key. */
  refund(input: { providerRef: string; amount: Money; refundId: string }): Promise<{ providerRef: string }>;
  /**
   * Checks a webhook delivery's signature over its raw body: `event` is null for a genuine
   * notice of something the service does not act on, a failure for anything unsigned or altered.
   */
  verifyEvent(rawBody: string, headers: Record<string, string | string[] | undefined>): EventCheck;
}
