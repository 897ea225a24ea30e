import { type Html, html } from '../../../html/html.js';
import { unwrap } from '../../http/problem.js';
import {
  type AccountUsage,
  accountUsage,
  USAGE_WINDOW_DAYS,
  type UsageSeries,
} from '../../usage/operations.js';
import { page } from '../layout.js';
import { sendPage } from '../respond.js';
import { requireCustomer } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { usageChart, usageTable } from './usage-chart.js';

const chartOf = (series: UsageSeries, usage: AccountUsage, index: string): Html => {
  const chart = { ...series, id: `usage-${index}`, from: usage.from, to: usage.to };
  return html`${usageChart(chart)}
${usageTable(chart)}`;
};

function poolSection(entry: AccountUsage['pools'][number], usage: AccountUsage, index: number): Html {
  const { pool, servers, advice } = entry;
  return html`<section class="panel" aria-labelledby="pool-${index}">
<h2 id="pool-${index}"><a href="/subscriptions/${pool.subscriptionId}">${pool.label}</a>: ${pool.licensed} connections</h2>
<p><strong>${advice.sentence}</strong></p>
${chartOf(pool, usage, String(index))}
${servers.map(
  (server, at) => html`<h3>${server.label}</h3>
${chartOf(server, usage, `${index}-${at}`)}`,
)}
</section>`;
}

/** Usage: each pool's and server's connected tunnels against what is licensed, and whether the key fits. */
export const usagePages: WebModule = (app, { ctx }) => {
  app.get('/usage', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    const usage = unwrap(await accountUsage(ctx, customer.principal, customer.principal.accountId));
    const body = html`<h1>Usage</h1>
<p>The most tunnels connected at one time, hour by hour over the last ${USAGE_WINDOW_DAYS} days (solid line), against the connections licensed (dashed line). Licenses count tunnels, not users or devices: size a key by the peak.</p>
<p class="hint">Only subscriptions are charted: their servers report their tunnels to this service. A server activated with a fixed license key counts its tunnels itself and reports none here.</p>
${
  usage.pools.length === 0
    ? html`<p class="panel muted">This account has no subscriptions, so there is no usage to chart.</p>`
    : usage.pools.map((entry, index) => poolSection(entry, usage, index))
}`;
    return sendPage(reply, page({ title: 'Usage', visitor: customer, section: '/usage', body }));
  });
};
