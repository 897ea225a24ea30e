import { describe, expect, it, vi } from 'vitest';
import type { PaymentProvider } from './provider.js';
import { paymentProviderFor } from './select.js';

const testProvider: PaymentProvider = {
  name: 'test',
  start: () => Promise.reject(new Error('not in this test')),
  refund: () => Promise.reject(new Error('not in this test')),
  verifyEvent: () => ({ ok: false, reason: 'not in this test' }),
};

describe('choosing the payment provider', () => {
  it('builds the test provider only when the configuration names it', () => {
    const factory = vi.fn(() => testProvider);
    expect(paymentProviderFor({ provider: 'test' }, factory)).toBe(testProvider);
    expect(factory).toHaveBeenCalledOnce();
  });

  it('builds the Stripe provider for stripe, without touching the test one', () => {
    const factory = vi.fn(() => testProvider);
    const provider = paymentProviderFor(
      {
        provider: 'stripe',
        secretKey: 'sk_test_123',
        webhookSecret: 'whsec_123',
        apiUrl: new URL('https://api.stripe.com'),
      },
      factory,
    );
    expect(provider.name).toBe('stripe');
    expect(factory).not.toHaveBeenCalled();
  });
});
