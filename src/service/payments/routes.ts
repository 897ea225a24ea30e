import { IdParam, problemResponses } from '../../contract/common.js';
import { Payment, TestCompletion } from '../../contract/orders.js';
import { fail } from '../../domain/errors.js';
import { BEARER, requirePrincipal } from '../http/authenticate.js';
import { unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { applyPaymentEvent, completeTestPayment } from '../orders/checkout.js';

const tags = ['payments'];

export const paymentRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/v1/payments/:id/test-completion',
    {
      schema: {
        tags,
        summary:
          'Test provider only: complete or fail a payment waiting for 3-D Secure, as the customer would on the bank’s page',
        security: BEARER,
        params: IdParam('pay', 'Payment id'),
        body: TestCompletion,
        response: { 200: Payment, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      return unwrap(await completeTestPayment(ctx, principal, request.params.id, request.body.outcome));
    },
  );

  // The provider signs the bytes it sent: the body is verified as it arrived, then parsed.
  app.register(async (webhooks) => {
    webhooks.removeContentTypeParser('application/json');
    webhooks.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
    webhooks.post(
      '/v1/payments/stripe/webhook',
      {
        schema: {
          tags,
          summary:
            'Stripe’s payment events, verified by their Stripe-Signature header before anything is done',
          response: {
            200: { type: 'object', properties: { received: { type: 'boolean' } } },
            ...problemResponses(400, 409),
          },
        },
      },
      async (request) => {
        const checked = ctx.payments.verifyEvent(String(request.body ?? ''), request.headers);
        if (!checked.ok) return unwrap(fail('webhook_signature_invalid', checked.reason));
        if (checked.event !== null) unwrap(await applyPaymentEvent(ctx, checked.event));
        return { received: true };
      },
    );
  });
};
