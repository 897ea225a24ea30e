import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Order } from '../../../contract/orders.js';
import { ERRORS, type Failure } from '../../../domain/errors.js';
import { formatAmount } from '../../../domain/money.js';
import { formError } from '../../../html/document.js';
import { csrfInput, field, wholeNumber } from '../../../html/forms.js';
import { type Html, html } from '../../../html/html.js';
import { unwrap } from '../../http/problem.js';
import { createOrder } from '../../orders/operations.js';
import { previewOrder } from '../../orders/preview.js';
import type { SubscriptionView } from '../../subscriptions/lifecycle.js';
import { type PoolView, showPool } from '../../subscriptions/pool-view.js';
import { page } from '../layout.js';
import { pathParam, sendPage } from '../respond.js';
import { type Customer, Redirect, requireOwner } from '../visitor.js';
import type { WebModule } from '../web-module.js';

const CONNECTIONS_REFUSED = 'Type the connections as a whole number, 1 or more.';

/** What the browser's confirmation carries so that sending it twice orders once. */
const IDEMPOTENCY_KEY = /^web-[0-9a-f-]{36}$/;

const title = (subscription: SubscriptionView) => `Edit Subscription …${subscription.key.slice(-4)}`;

function editForm(customer: Customer, pool: PoolView, state: { connections?: string; error?: string }): Html {
  const { subscription } = pool;
  return page({
    title: title(subscription),
    visitor: customer,
    section: '/subscriptions',
    body: html`<h1>${title(subscription)}</h1>
<p>It has <strong>${subscription.connections}</strong> connections; ${pool.inUse} are in use now. A change takes effect once paid: the rest of the period is credited at its price and charged at today’s, by the day.</p>
${formError(state.error)}
<form method="post" action="/subscriptions/${subscription.id}/edit" class="panel narrow">
${csrfInput(customer.csrf)}
<label for="connections">Connections</label>
<input id="connections" name="connections" type="number" min="1" max="1000000" step="1" required inputmode="numeric" value="${state.connections ?? String(subscription.connections)}" aria-describedby="connections-hint">
<p class="hint" id="connections-hint">Concurrent tunnels across all its servers.</p>
<p class="actions"><button type="submit">See the price</button> <a href="/subscriptions/${subscription.id}">Cancel</a></p>
</form>`,
  });
}

function previewPage(customer: Customer, pool: PoolView, connections: number, priced: Order): Html {
  const { subscription } = pool;
  const money = (amount: number) => formatAmount(amount, priced.currency);
  return page({
    title: title(subscription),
    visitor: customer,
    section: '/subscriptions',
    body: html`<h1>${title(subscription)}</h1>
<p>From <strong>${subscription.connections}</strong> to <strong>${connections}</strong> connections, priced today:</p>
<table>
<caption>The change, prorated by the day</caption>
<thead><tr><th scope="col">Line</th><th scope="col" class="number">Amount</th></tr></thead>
<tbody>${priced.lines.map(
      (line) => html`<tr><td>${line.description}</td><td class="number">${money(line.amount)}</td></tr>`,
    )}</tbody>
<tfoot>
<tr><th scope="row">Subtotal</th><td class="number">${money(priced.subtotal)}</td></tr>
<tr><th scope="row">Tax</th><td class="number">${money(priced.tax)}</td></tr>
<tr><th scope="row">Total due</th><td class="number"><strong>${money(priced.total)}</strong></td></tr>
</tfoot>
</table>
<form method="post" action="/subscriptions/${subscription.id}/change">
${csrfInput(customer.csrf)}
<input type="hidden" name="connections" value="${connections}">
<input type="hidden" name="idempotency" value="web-${randomUUID()}">
<p class="actions"><button type="submit">${priced.total > 0 ? 'Order and pay' : 'Order the change'}</button> <a href="/subscriptions/${subscription.id}/edit">Change the connections</a></p>
<p class="hint">${priced.total > 0 ? 'The next page takes the payment; the subscription changes once it is paid.' : 'Nothing to pay: the change applies at once.'}</p>
</form>`,
  });
}

/** Edit Subscription (the owner's): a new number of connections, its proration shown, then ordered. */
export const subscriptionEditPages: WebModule = (app, { ctx }) => {
  async function ownersPool(request: FastifyRequest, reply: FastifyReply) {
    const customer = await requireOwner(ctx, request, reply);
    return { customer, pool: unwrap(await showPool(ctx, customer.principal, pathParam(request))) };
  }

  const refused = (
    reply: FastifyReply,
    customer: Customer,
    pool: PoolView,
    typed: string,
    failure: Failure,
  ) =>
    sendPage(
      reply,
      editForm(customer, pool, { connections: typed, error: failure.detail }),
      ERRORS[failure.code].status,
    );

  const changeOf = (pool: PoolView, connections: number) => ({
    accountId: pool.subscription.accountId,
    items: [{ type: 'subscription_change' as const, subscriptionId: pool.subscription.id, connections }],
  });

  app.get('/subscriptions/:id/edit', async (request, reply) => {
    const { customer, pool } = await ownersPool(request, reply);
    return sendPage(reply, editForm(customer, pool, {}));
  });

  app.post('/subscriptions/:id/edit', async (request, reply) => {
    const { customer, pool } = await ownersPool(request, reply);
    const typed = field(request.body, 'connections');
    const connections = wholeNumber(request.body, 'connections');
    if (connections === undefined || connections < 1)
      return sendPage(
        reply,
        editForm(customer, pool, { connections: typed, error: CONNECTIONS_REFUSED }),
        400,
      );
    const priced = await previewOrder(ctx, customer.principal, changeOf(pool, connections));
    if (!priced.ok) return refused(reply, customer, pool, typed, priced.error);
    return sendPage(reply, previewPage(customer, pool, connections, priced.value));
  });

  app.post('/subscriptions/:id/change', async (request, reply) => {
    const { customer, pool } = await ownersPool(request, reply);
    const typed = field(request.body, 'connections');
    const connections = wholeNumber(request.body, 'connections');
    const idempotency = field(request.body, 'idempotency');
    if (connections === undefined || connections < 1 || !IDEMPOTENCY_KEY.test(idempotency))
      return sendPage(
        reply,
        editForm(customer, pool, { connections: typed, error: CONNECTIONS_REFUSED }),
        400,
      );
    const ordered = await createOrder(
      ctx,
      customer.principal,
      { ...changeOf(pool, connections), paymentMethod: 'card' },
      idempotency,
    );
    if (!ordered.ok) return refused(reply, customer, pool, typed, ordered.error);
    throw new Redirect(`/orders/${ordered.value.id}`);
  });
};
