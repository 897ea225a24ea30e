import type { FastifyReply, FastifyRequest } from 'fastify';
import { normalizeEmail } from '../../../domain/email.js';
import { ERRORS, type Failure } from '../../../domain/errors.js';
import { formError } from '../../../html/document.js';
import { csrfInput, field } from '../../../html/forms.js';
import { type Fragment, html } from '../../../html/html.js';
import { createAccount, listAccounts, listMembers } from '../../accounts/operations.js';
import { unwrap } from '../../http/problem.js';
import { page } from '../layout.js';
import { day, table } from '../parts.js';
import { queryParam, sendPage } from '../respond.js';
import { requireStaffVisitor, type Visitor } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { madeLinkPanel, makePasswordLink } from './invitations.js';

/** Accounts: the list (searched by email) and a new account with its owner's invitation. */
export const accountListPages: WebModule = (app, deps) => {
  const { ctx } = deps;

  async function accountsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    staff: Visitor,
    state: { refusal?: Failure; email?: string; name?: string; made?: Fragment } = {},
  ): Promise<FastifyReply> {
    const search = queryParam(request, 'email').toLowerCase();
    const accounts = (await listAccounts(ctx)).filter(
      (account) => search === '' || account.email.includes(search),
    );
    const body = html`<h1>Accounts</h1>
${state.made ?? ''}
<form method="get" action="/console/accounts" class="panel">
<label for="search">Search by registered email</label>
<input id="search" name="email" type="text" value="${search}">
<p class="actions"><button type="submit" class="secondary">Search</button>${search === '' ? '' : html` <a href="/console/accounts">Show all</a>`}</p>
</form>
${table({
  caption:
    search === ''
      ? `${accounts.length} account${accounts.length === 1 ? '' : 's'}`
      : `${accounts.length} account${accounts.length === 1 ? '' : 's'} whose email contains “${search}”`,
  head: ['Name', 'Registered email', 'Created'],
  rows: accounts.map(
    (account) => html`<tr>
<td><a href="/console/accounts/${account.id}">${account.name}</a></td>
<td>${account.email}</td>
<td>${day(account.createdAt)}</td>
</tr>`,
  ),
  empty: search === '' ? 'There is no account yet.' : 'No account’s email contains this.',
})}
<h2>New account</h2>
<form method="post" action="/console/accounts" class="panel">
${formError(state.refusal?.detail)}
${csrfInput(staff.csrf)}
<label for="new-email">Registered admin email (it cannot be edited later)</label>
<input id="new-email" name="email" type="email" required value="${state.email ?? ''}">
<label for="new-name">Name</label>
<input id="new-name" name="name" type="text" maxlength="200" value="${state.name ?? ''}">
<p class="actions"><button type="submit">Create the account</button></p>
<p class="hint">Its owner gets an invitation link to choose a password: shown here once, and emailed when the service sends email.</p>
</form>`;
    const status = state.refusal === undefined ? 200 : ERRORS[state.refusal.code].status;
    return sendPage(
      reply,
      page({ title: 'Accounts', visitor: staff, section: '/console/accounts', body }),
      status,
    );
  }

  app.get('/console/accounts', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    return accountsPage(request, reply, staff);
  });

  app.post('/console/accounts', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    const typed = { email: field(request.body, 'email'), name: field(request.body, 'name') };
    const email = normalizeEmail(typed.email);
    if (!email.ok) return accountsPage(request, reply, staff, { ...typed, refusal: email.error });
    const created = await createAccount(ctx, {
      email: email.value,
      name: typed.name === '' ? undefined : typed.name,
      actor: staff.principal.userId,
    });
    if (!created.ok) return accountsPage(request, reply, staff, { ...typed, refusal: created.error });
    const { account } = created.value;
    const [owner] = unwrap(await listMembers(ctx, staff.principal, account.id));
    if (owner === undefined) throw new Error(`the account ${account.id} was created without its owner`);
    const link = await makePasswordLink(deps, request, owner, account.name, staff.principal.userId);
    const made = html`<p class="notice" role="status">Account <a href="/console/accounts/${account.id}">${account.name}</a> created.</p>
${madeLinkPanel(link)}`;
    return accountsPage(request, reply, staff, { made });
  });
};
