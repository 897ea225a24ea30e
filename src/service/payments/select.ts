import type { Clock } from '../../domain/clock.js';
import type { PaymentsConfig } from '../config.js';
import type { PaymentProvider } from './provider.js';
import { createStripeProvider } from './stripe-provider.js';

/** The provider the configuration names; the test provider is built only when it is the one. */
export function paymentProviderFor(
  config: PaymentsConfig,
  testProvider: () => PaymentProvider,
  clock?: Clock,
): PaymentProvider {
  switch (config.provider) {
    case 'stripe':
      return createStripeProvider({
        secretKey: config.secretKey,
        webhookSecret: config.webhookSecret,
        apiUrl: config.apiUrl,
        clock,
      });
    case 'test':
      return testProvider();
  }
}
