import type { PaymentOutcome, PaymentProvider, PaymentStart } from './provider.js';

/**
 * A payment processor for demos and tests, built in: it behaves like a card processor (Stripe's
 * well-known test numbers) and like PayPal, and moves no money. A pending payment is completed,
 * or failed, by calling the `actionUrl` it answers with, as a customer would finish 3-D Secure.
 */

/** Test card numbers, as a card form would send them; any other valid-looking number is approved. */
export const TEST_CARDS = {
  approved: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  threeDSecure: '4000000000003220',
} as const;

/** PayPal approves unless told to decline (a buyer who cancels, say). */
export const TEST_PAYPAL_DECLINE = 'paypal-decline';

/** The path that completes or fails a pending test payment (POST, `{ "outcome": ... }`). */
export const testCompletionPath = (paymentId: string): string => `/v1/payments/${paymentId}/test-completion`;

function outcomeOf(payment: PaymentStart, providerRef: string): PaymentOutcome {
  const token = (payment.paymentToken ?? '').replace(/[\s-]/g, '');
  if (payment.method === 'paypal')
    return token === TEST_PAYPAL_DECLINE
      ? { status: 'declined', providerRef, reason: 'PayPal did not approve the payment.' }
      : { status: 'succeeded', providerRef };
  switch (token === '' ? TEST_CARDS.approved : token) {
    case TEST_CARDS.declined:
      return { status: 'declined', providerRef, reason: 'Your card was declined.' };
    case TEST_CARDS.insufficientFunds:
      return { status: 'declined', providerRef, reason: 'Your card has insufficient funds.' };
    case TEST_CARDS.threeDSecure:
      return { status: 'pending', providerRef, actionUrl: testCompletionPath(payment.paymentId) };
    default:
      return /^\d{12,19}$/.test(token === '' ? TEST_CARDS.approved : token)
        ? { status: 'succeeded', providerRef }
        : { status: 'declined', providerRef, reason: 'The card number is not valid.' };
  }
}

export function createTestProvider(): PaymentProvider {
  return {
    name: 'test',
    start: async (payment) => outcomeOf(payment, `test_${payment.paymentId}`),
    refund: async ({ refundId }) => ({ providerRef: `test_${refundId}` }),
    // Its confirmations come through its completion path, never as webhooks.
    verifyEvent: () => ({ ok: false, reason: 'the test payment provider sends no webhooks' }),
  };
}
