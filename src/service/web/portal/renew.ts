import { ERRORS } from '../../../domain/errors.js';
import { fields } from '../../../html/forms.js';
import { createQuote } from '../../orders/operations.js';
import { sendPage } from '../respond.js';
import { Redirect, requireOwner } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { manageKeysPage } from './keys.js';

/** An order names at most this many items; more ticked keys than that are refused, not cut short. */
const MOST_KEYS = 100;

/**
 * Manage License Keys → Renew a License Key: the ticked keys are priced for one more year at
 * today's price × their connections, as a quote; its page is where it is paid.
 */
export const renewPages: WebModule = (app, { ctx }) => {
  // Reached by a reload or a link: the renewal starts on Manage License Keys, for its owner only.
  app.get('/keys/renew', async (request, reply) => {
    await requireOwner(ctx, request, reply);
    throw new Redirect('/keys');
  });

  app.post('/keys/renew', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const ticked = [...new Set(fields(request.body, 'key'))];
    const refuse = async (status: number, message: string) =>
      sendPage(reply, await manageKeysPage(ctx, request, customer, message), status);
    if (ticked.length === 0) return refuse(400, 'Tick the keys to renew first: no key was ticked.');
    if (ticked.length > MOST_KEYS)
      return refuse(400, `Renew at most ${MOST_KEYS} keys at once: ${ticked.length} were ticked.`);
    const quote = await createQuote(ctx, customer.principal, {
      accountId: customer.principal.accountId,
      items: ticked.map((licenseId) => ({ type: 'renewal', licenseId, years: 1 })),
    });
    if (!quote.ok) return refuse(ERRORS[quote.error.code].status, quote.error.detail);
    throw new Redirect(`/orders/${quote.value.id}`);
  });
};
