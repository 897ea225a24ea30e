import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type Failure, fail } from '../../../domain/errors.js';
import { type Currency, formatMoney, money } from '../../../domain/money.js';
import { formError } from '../../../html/document.js';
import { csrfInput, field, wholeNumber } from '../../../html/forms.js';
import { type Fragment, html } from '../../../html/html.js';
import { type AccountView, findAccount, listMembers } from '../../accounts/operations.js';
import { problem, unwrap } from '../../http/problem.js';
import { issueLicense, type LicenseView, listLicenses } from '../../licenses/operations.js';
import { listOrders } from '../../orders/order-reads.js';
import { listSubscriptions } from '../../subscriptions/lifecycle.js';
import { page } from '../layout.js';
import { badge, day, keyStatusBadge, table } from '../parts.js';
import { noticeOf, pathParam, sendPage } from '../respond.js';
import { Redirect, requireStaffVisitor, type Visitor } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { madeLinkPanel, makePasswordLink } from './invitations.js';

/** The orders an account's page lists, newest first; the Orders page has them all. */
const ORDERS_SHOWN = 20;

/** What the API's contract allows a key staff issue. */
const MAX_CONNECTIONS = 1_000_000;
const MAX_YEARS = 10;

const keyRow = (key: LicenseView, now: Date) => html`<tr>
<td><code class="key">…${key.key.slice(-4)}</code>${key.kind === 'failover' ? html` ${badge('failover')}` : ''}</td>
<td>${keyStatusBadge(key, now)}${key.statusReason === null ? '' : html`<div class="hint">${key.statusReason}</div>`}</td>
<td class="number">${key.connections}</td>
<td>${day(key.starts)} → ${day(key.ends)}</td>
<td>${key.server === null ? html`<span class="muted">none</span>` : key.server.hostname}</td>
<td>${key.orderNumber ?? html`<span class="muted">—</span>`}</td>
</tr>`;

/** One account for staff: its keys, users, subscriptions and orders; a key to issue; password links. */
export const accountPages: WebModule = (app, deps) => {
  const { ctx } = deps;

  async function accountOf(request: FastifyRequest): Promise<AccountView> {
    const account = await findAccount(ctx, pathParam(request));
    if (account === undefined)
      throw problem('account_not_found', `There is no account ${pathParam(request)}.`, 'id');
    return account;
  }

  async function accountPage(
    request: FastifyRequest,
    reply: FastifyReply,
    staff: Visitor,
    account: AccountView,
    state: { refusal?: Failure; connections?: string; years?: string; made?: Fragment } = {},
  ): Promise<FastifyReply> {
    const now = ctx.clock.now();
    const [keys, members, subscriptions, orders] = await Promise.all([
      listLicenses(ctx, { accountId: account.id }),
      listMembers(ctx, staff.principal, account.id).then(unwrap),
      listSubscriptions(ctx, { accountId: account.id }),
      listOrders(ctx, staff.principal, { accountId: account.id, newestFirst: true, limit: ORDERS_SHOWN }),
    ]);
    const orderRows = orders.ok ? orders.value.orders : [];
    const action = `/console/accounts/${account.id}`;
    const body = html`<h1>${account.name}</h1>
${state.made ?? ''}
<div class="panel"><dl class="facts">
<dt>Registered email</dt><dd>${account.email}</dd>
<dt>Account id</dt><dd><code>${account.id}</code></dd>
<dt>Created</dt><dd>${day(account.createdAt)}</dd>
<dt>Subscriptions</dt><dd>${subscriptions.length}</dd>
</dl></div>
<h2>License keys</h2>
${table({
  caption: `${keys.length} key${keys.length === 1 ? '' : 's'}`,
  head: ['Key', 'Status', 'Connections', 'Term', 'Server', 'Order'],
  numeric: [2],
  rows: keys.map((key) => keyRow(key, now)),
  empty: 'This account has no license keys yet.',
})}
<h2>Issue a key</h2>
<form method="post" action="${action}/keys" class="panel">
${formError(state.refusal?.detail)}
${csrfInput(staff.csrf)}
<label for="connections">Concurrent connections</label>
<input id="connections" name="connections" type="number" min="1" max="${MAX_CONNECTIONS}" required value="${state.connections ?? ''}">
<label for="years">Support/upgrade term in years</label>
<input id="years" name="years" type="number" min="1" max="${MAX_YEARS}" required value="${state.years ?? '1'}">
<p class="actions"><button type="submit">Issue the key</button></p>
</form>
<h2>Users</h2>
${table({
  caption: `${members.length} user${members.length === 1 ? '' : 's'}`,
  head: ['Email', 'Role', 'Password', 'Joined', 'Link'],
  rows: members.map(
    (member) => html`<tr>
<td>${member.email}</td>
<td>${member.role}</td>
<td>${member.hasPassword ? 'set' : 'not set yet'}</td>
<td>${day(member.createdAt)}</td>
<td><form method="post" action="${action}/users/${member.userId}/link" class="inline">${csrfInput(staff.csrf)}<button type="submit" class="secondary" aria-label="New ${member.hasPassword ? 'password' : 'invitation'} link for ${member.email}">New ${member.hasPassword ? 'password' : 'invitation'} link</button></form></td>
</tr>`,
  ),
  empty: 'This account has no users.',
})}
<h2>Orders</h2>
${table({
  caption: `The last ${ORDERS_SHOWN} orders at most, newest first`,
  head: ['Order', 'Status', 'Connections', 'Total', 'Created'],
  numeric: [2, 3],
  rows: orderRows.map(
    (order) => html`<tr>
<td>${order.number}</td>
<td>${order.status}</td>
<td class="number">${order.connections}</td>
<td class="number">${formatMoney(money(order.total, order.currency as Currency))}</td>
<td>${day(order.createdAt)}</td>
</tr>`,
  ),
  empty: 'This account has no orders.',
})}
<p><a href="/console/audit?account=${account.id}">This account’s audit log</a></p>`;
    const status = state.refusal === undefined ? 200 : ERRORS[state.refusal.code].status;
    return sendPage(
      reply,
      page({
        title: account.name,
        visitor: staff,
        section: '/console/accounts',
        notice: noticeOf(request, { issued: 'Key issued: it is at the top of the list of keys.' }),
        body,
      }),
      status,
    );
  }

  app.get('/console/accounts/:id', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    return accountPage(request, reply, staff, await accountOf(request));
  });

  app.post('/console/accounts/:id/keys', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    const account = await accountOf(request);
    const typed = { connections: field(request.body, 'connections'), years: field(request.body, 'years') };
    const connections = wholeNumber(request.body, 'connections');
    const years = wholeNumber(request.body, 'years');
    const refusal =
      connections === undefined || connections < 1 || connections > MAX_CONNECTIONS
        ? fail(
            'validation_failed',
            `Give the connections as a whole number from 1 to ${MAX_CONNECTIONS}.`,
            'connections',
          )
        : years === undefined || years < 1 || years > MAX_YEARS
          ? fail(
              'validation_failed',
              `Give the term as a whole number of years from 1 to ${MAX_YEARS}.`,
              'years',
            )
          : undefined;
    if (refusal !== undefined || connections === undefined)
      return accountPage(request, reply, staff, account, { ...typed, refusal: refusal?.error });
    const issued = await issueLicense(ctx, {
      accountId: account.id,
      connections,
      years,
      actor: staff.principal.userId,
    });
    if (!issued.ok) return accountPage(request, reply, staff, account, { ...typed, refusal: issued.error });
    throw new Redirect(`/console/accounts/${account.id}?done=issued`);
  });

  app.post('/console/accounts/:id/users/:userId/link', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    const account = await accountOf(request);
    const { userId } = request.params as { userId: string };
    // A user of another account answers as an unknown one.
    const user = unwrap(await listMembers(ctx, staff.principal, account.id)).find(
      (member) => member.userId === userId,
    );
    if (user === undefined)
      throw problem('route_not_found', `There is no page ${request.url.split('?')[0]}.`);
    const link = await makePasswordLink(deps, request, user, account.name, staff.principal.userId);
    return accountPage(request, reply, staff, account, { made: madeLinkPanel(link) });
  });
};
