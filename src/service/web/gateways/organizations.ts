import type { FastifyReply, FastifyRequest } from 'fastify';
import { checker } from '../../../contract/check.js';
import { CreateOrganization, type Organization } from '../../../contract/gateways.js';
import { csrfInput, field } from '../../../html/forms.js';
import { html } from '../../../html/html.js';
import { createOrganization, listOrganizations } from '../../gateways/organizations.js';
import { problem } from '../../http/problem.js';
import { page } from '../layout.js';
import { day, table } from '../parts.js';
import { noticeOf, sendPage } from '../respond.js';
import { type Customer, Redirect, requireCustomer } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { type Refusal, refusalFor, refusalOf } from './parts.js';

const createInput = checker(CreateOrganization);

export const GATEWAYS_SECTION = '/organizations';

/** Gateways → the organizations the visitor administers (the owner: all of the account's), and a new one. */
export const organizationPages: WebModule = (app, { ctx }) => {
  async function organizationsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    customer: Customer,
    state: { refusal?: Refusal; name?: string } = {},
  ): Promise<FastifyReply> {
    const organizations = await listOrganizations(ctx, customer.principal);
    const owner = customer.principal.role === 'owner';
    const row = (organization: Organization) => html`<tr>
<td><a href="/organizations/${organization.id}">${organization.name}</a></td>
<td class="number">${organization.devices}</td>
<td class="number">${organization.licenses}</td>
<td>${day(organization.createdAt)}</td>
</tr>`;
    const body = html`<h1>Gateways</h1>
<p class="hint">EnGenius ESG gateways and their SecuPoint VPN client and Pro licenses, by organization: choose one for its Inventory &amp; License.</p>
${table({
  caption: `Organizations you administer: ${organizations.length}`,
  head: ['Organization', 'Devices', 'Licenses', 'Created'],
  numeric: [1, 2],
  rows: organizations.map(row),
  empty: owner
    ? 'This account has no organization yet: create one below.'
    : 'You administer no organization yet: the account’s owner makes administrators.',
})}
${
  owner
    ? html`<section aria-labelledby="create-heading">
<h2 id="create-heading">Create an organization</h2>
<div class="panel">
${refusalFor(state.refusal, 'create')}
<form method="post" action="/organizations">
${csrfInput(customer.csrf)}
<label for="organization-name">Name</label>
<input id="organization-name" name="name" type="text" maxlength="200" required value="${state.name ?? ''}">
<p class="actions"><button type="submit">Create organization</button></p>
</form>
</div>
</section>`
    : ''
}`;
    return sendPage(
      reply,
      page({
        title: 'Gateways',
        visitor: customer,
        section: GATEWAYS_SECTION,
        notice: noticeOf(request, { created: 'The organization is created.' }),
        body,
      }),
      state.refusal?.status ?? 200,
    );
  }

  app.get('/organizations', async (request, reply) =>
    organizationsPage(request, reply, await requireCustomer(ctx, request, reply)),
  );

  app.post('/organizations', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    if (customer.principal.role !== 'owner')
      throw problem('forbidden', 'Only the account’s owner creates organizations.');
    const name = field(request.body, 'name');
    const input = { name };
    // The API's schema checks its body; the form is checked against the same one.
    const checked = createInput(input);
    const created = checked.ok
      ? await createOrganization(ctx, customer.principal, input)
      : ({
          ok: false,
          error: {
            code: 'validation_failed',
            detail: name === '' ? 'An organization has a name.' : 'A name is at most 200 characters.',
          },
        } as const);
    if (!created.ok)
      return organizationsPage(request, reply, customer, {
        name,
        refusal: refusalOf('create', created.error),
      });
    throw new Redirect(`/organizations/${created.value.id}?done=created`);
  });
};
