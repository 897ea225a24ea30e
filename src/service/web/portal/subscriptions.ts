import { type Html, html } from '../../../html/html.js';
import { unwrap } from '../../http/problem.js';
import type { SubscriptionView } from '../../subscriptions/lifecycle.js';
import { type PoolServer, type PoolView, poolsOf, showPool } from '../../subscriptions/pool-view.js';
import { page } from '../layout.js';
import { badge, day, table } from '../parts.js';
import { noticeOf, pathParam, sendPage } from '../respond.js';
import { type Customer, requireCustomer } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { subscriptionEditPages } from './subscription-edit.js';

/** The key in full to the account's owner; its last characters to members, as on the license keys' page. */
export const shownKey = (subscription: SubscriptionView, customer: Customer): Html =>
  customer.principal.role === 'owner'
    ? html`<code class="key">${subscription.key}</code>`
    : html`<code class="key">…${subscription.key.slice(-4)}</code>`;

/** Where the subscription's payments stand, in words (grace says until when). */
export function billingBadge(subscription: SubscriptionView): Html {
  switch (subscription.billingStatus) {
    case 'paid':
      return badge('paid', 'ok');
    case 'grace':
      return html`${badge('in grace', 'warn')}<div class="hint">unpaid: works until ${day(subscription.graceEnds ?? subscription.periodEnds)}</div>`;
    case 'ended':
      return badge('ended unpaid', 'bad');
    default:
      return html`<span class="muted">set up by the vendor</span>`;
  }
}

/** Working or not: a subscription works to its period's end, and an auto-renewing one renews then. */
export function statusBadge(subscription: SubscriptionView, now: Date): Html {
  if (subscription.billingStatus === 'ended') return badge('ended', 'bad');
  const ended = new Date(subscription.periodEnds).getTime() <= now.getTime() && !subscription.autoRenew;
  return ended ? badge('ended', 'bad') : badge('active', 'ok');
}

const period = (subscription: SubscriptionView): string =>
  `${subscription.period}, ${subscription.autoRenew ? 'renews' : 'ends'} ${day(subscription.periodEnds)}`;

function subscriptionRow(pool: PoolView, customer: Customer, now: Date): Html {
  const { subscription } = pool;
  return html`<tr>
<td><a href="/subscriptions/${subscription.id}">${shownKey(subscription, customer)}</a></td>
<td>${statusBadge(subscription, now)}</td>
<td>${billingBadge(subscription)}</td>
<td class="number">${pool.inUse} of ${subscription.connections}</td>
<td>${period(subscription)}</td>
<td class="number">${pool.servers.length}</td>
</tr>`;
}

function serverRow(server: PoolServer): Html {
  return html`<tr>
<td>${server.hostname}<div class="hint"><code>${server.serverId}</code></div></td>
<td>${server.live ? badge('reporting', 'ok') : badge('silent', 'warn')}</td>
<td class="number">${server.tunnels}</td>
<td>${server.lastHeartbeatAt.slice(0, 16).replace('T', ' ')} UTC</td>
</tr>`;
}

/** Subscriptions: the account's pools of connections, and the servers using each. */
export const subscriptionPages: WebModule = (app, deps) => {
  const { ctx } = deps;

  app.get('/subscriptions', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    const now = ctx.clock.now();
    const pools = await poolsOf(ctx, customer.principal.accountId);
    const body = html`<h1>Subscriptions</h1>
<p>A subscription is a pool of connections that every server activated with its key shares: the tunnels of all of them together count against it.</p>
${table({
  caption: `${pools.length} ${pools.length === 1 ? 'subscription' : 'subscriptions'}`,
  head: ['Subscription key', 'Status', 'Billing', 'Connections in use', 'Period', 'Servers'],
  numeric: [3, 5],
  rows: pools.map((pool) => subscriptionRow(pool, customer, now)),
  empty: 'This account has no subscriptions yet.',
})}`;
    return sendPage(
      reply,
      page({ title: 'Subscriptions', visitor: customer, section: '/subscriptions', body }),
    );
  });

  app.get('/subscriptions/:id', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    const now = ctx.clock.now();
    const pool = unwrap(await showPool(ctx, customer.principal, pathParam(request)));
    const { subscription } = pool;
    const owner = customer.principal.role === 'owner';
    // Only a subscription bought through an order is changed through one.
    const editable = owner && subscription.billingStatus !== null;
    const body = html`<h1>Subscription …${subscription.key.slice(-4)}</h1>
<div class="panel">
<dl class="facts">
<dt>Subscription key</dt><dd>${shownKey(subscription, customer)}</dd>
<dt>Status</dt><dd>${statusBadge(subscription, now)}</dd>
<dt>Billing</dt><dd>${billingBadge(subscription)}</dd>
<dt>Connections</dt><dd>${subscription.connections}</dd>
<dt>Period</dt><dd>${period(subscription)}</dd>
<dt>Enforcement</dt><dd>${subscription.mode === 'lease' ? 'servers lease connections ahead of need' : `over the limit, the ${subscription.order} tunnels are disconnected`}</dd>
</dl>
</div>
<h2>Servers in the pool</h2>
<p><span class="figure">${pool.inUse}</span> of ${subscription.connections} connections in use now, across ${pool.servers.length} ${pool.servers.length === 1 ? 'server' : 'servers'}.</p>
${table({
  caption: 'Servers using this subscription',
  head: ['Server', 'Heartbeats', 'Tunnels now', 'Last heartbeat'],
  numeric: [2],
  rows: pool.servers.map(serverRow),
  empty: 'No server has activated this subscription yet.',
})}
<p class="actions">${editable ? html`<a class="button" href="/subscriptions/${subscription.id}/edit">Edit Subscription</a> ` : ''}<a class="button secondary" href="/usage">See its usage</a></p>
${
  !owner
    ? html`<p class="hint">The account’s owner changes the subscription’s connections.</p>`
    : editable
      ? ''
      : html`<p class="hint">Vendor staff set this subscription up: ask them to change its connections.</p>`
}`;
    return sendPage(
      reply,
      page({
        title: `Subscription …${subscription.key.slice(-4)}`,
        visitor: customer,
        section: '/subscriptions',
        notice: noticeOf(request, { changed: 'The subscription now has its new connections.' }),
        body,
      }),
    );
  });

  subscriptionEditPages(app, deps);
};
