import type { FastifyRequest } from 'fastify';
import { shownKey } from '../../../domain/key-status.js';
import { formError } from '../../../html/document.js';
import { csrfInput } from '../../../html/forms.js';
import { type Html, html } from '../../../html/html.js';
import type { ServiceContext } from '../../context.js';
import { asSeenBy, type LicenseView, listLicenses } from '../../licenses/operations.js';
import { type TransferredKey, transferredKeys } from '../../licenses/transferred.js';
import { page } from '../layout.js';
import { badge, day, keyStatusBadge, shownKeyStatus, table } from '../parts.js';
import { noticeOf, sendPage } from '../respond.js';
import { type Customer, requireCustomer } from '../visitor.js';
import type { WebModule } from '../web-module.js';

/** What a key's row says beyond its status: why it ended, what replaced it, that it is a failover key. */
const why = (key: LicenseView): Html =>
  html`${key.kind === 'failover' ? html`${' '}<span class="badge">failover</span>` : ''}${
    key.statusReason === null ? '' : html`<div class="hint">${key.statusReason}</div>`
  }`;

function keyRow(key: LicenseView, customer: Customer, now: Date): Html {
  const owner = customer.principal.role === 'owner';
  const renewable = owner && key.status !== 'revoked' && key.kind === 'fixed';
  return html`<tr>
${owner ? html`<td>${renewable ? html`<input type="checkbox" name="key" value="${key.id}" id="renew-${key.id}" aria-label="Renew …${key.key.slice(-4)}">` : ''}</td>` : ''}
<td><code class="key">${key.key}</code></td>
<td>${keyStatusBadge(key, now)}${why(key)}</td>
<td class="number">${key.connections}</td>
<td>${day(key.starts)} → ${day(key.ends)}${key.legacy ? html`<div class="hint">old terms: never expires on its server</div>` : ''}</td>
<td>${key.server === null ? html`<span class="muted">none</span>` : key.server.hostname}</td>
${
  owner
    ? html`<td>${
        key.orderNumber === null
          ? html`<span class="muted">—</span>`
          : html`${key.orderNumber}<div><a href="/invoices?order=${encodeURIComponent(key.orderNumber)}" aria-label="Print Invoice for …${key.key.slice(-4)}">Print Invoice</a></div>`
      }</td>`
    : ''
}
</tr>`;
}

/**
 * Manage License Keys as the customer sees it now; `error` is the refusal of the renewal form
 * (nothing ticked, a key that cannot be renewed), shown above it.
 */
export async function manageKeysPage(
  ctx: ServiceContext,
  request: FastifyRequest,
  customer: Customer,
  error?: string,
): Promise<Html> {
  const now = ctx.clock.now();
  const [listed, transferred] = await Promise.all([
    listLicenses(ctx, { accountId: customer.principal.accountId }),
    transferredKeys(ctx, customer.principal.accountId),
  ]);
  const keys = listed.map(asSeenBy(customer.principal));
  const owner = customer.principal.role === 'owner';
  const counts = new Map<string, number>();
  for (const key of keys)
    counts.set(shownKeyStatus(key, now), (counts.get(shownKeyStatus(key, now)) ?? 0) + 1);
  const summary = [...counts].map(([status, count]) => `${count} ${status}`).join(' · ');
  const list = table({
    caption: summary === '' ? 'No keys' : `${keys.length} keys: ${summary}`,
    head: [
      ...(owner ? ['Renew'] : []),
      'License key',
      'Status',
      'Connections',
      'Term',
      'Server',
      ...(owner ? ['Order'] : []),
    ],
    numeric: [owner ? 3 : 2],
    rows: keys.map((key) => keyRow(key, customer, now)),
    empty: 'This account has no license keys yet.',
  });
  const body = html`<h1>Manage License Keys</h1>
${formError(error)}
${
  owner
    ? html`<form method="post" action="/keys/renew">
${csrfInput(customer.csrf)}
${list}
<p class="actions"><button type="submit">Renew a License Key</button> <a class="button secondary" href="/buy">Buy new keys</a></p>
<p class="hint">Tick the keys to renew: each is renewed at today’s price for its connections, from the end of its term (or from today, if it has ended).</p>
</form>`
    : html`${list}<p class="hint">The account’s owner renews keys and sees their orders.</p>`
}
${transferred.length === 0 ? '' : transferredTable(transferred)}`;
  return page({
    title: 'Manage License Keys',
    visitor: customer,
    section: '/keys',
    notice: noticeOf(request, { renewed: 'Paid: the keys are renewed, their new terms are below.' }),
    body,
  });
}

/** Keys this account gave away: revoked here, with where they went. */
const transferredTable = (keys: readonly TransferredKey[]): Html =>
  html`<h2>Transferred to other accounts</h2>
${table({
  caption: `${keys.length} keys transferred out`,
  head: ['License key', 'Status', 'Connections', 'Term ends', 'Transferred'],
  numeric: [2],
  rows: keys.map(
    (key) => html`<tr>
<td><code class="key">${shownKey(key.keyHint)}</code></td>
<td>${badge('revoked', 'bad')}<div class="hint">transferred${key.toAccountEmail === null ? '' : ` to ${key.toAccountEmail}`}</div></td>
<td class="number">${key.connections}</td>
<td>${key.ends === '' ? '' : day(key.ends)}</td>
<td>${day(key.transferredAt)}</td>
</tr>`,
  ),
  empty: '',
})}`;

/** License Keys → Manage License Keys: every key of the account, and the renewal of some. */
export const keyPages: WebModule = (app, { ctx }) => {
  app.get('/keys', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    return sendPage(reply, await manageKeysPage(ctx, request, customer));
  });
};
