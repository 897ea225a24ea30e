import { csrfInput, field } from '../../../html/forms.js';
import { html } from '../../../html/html.js';
import { addKey, type KeyPreviewView, previewKey } from '../../gateways/keys.js';
import { showOrganization } from '../../gateways/organizations.js';
import { unwrap } from '../../http/problem.js';
import { page } from '../layout.js';
import { pathParam, sendPage } from '../respond.js';
import { Redirect, requireCustomer } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { inventoryPage } from './inventory.js';
import { GATEWAYS_SECTION } from './organizations.js';
import { refusalOf } from './parts.js';

const years = (count: number): string => `${count} year${count === 1 ? '' : 's'}`;

/** What the key unzips into, as EnGenius shows it before it is applied. */
const contents = (preview: KeyPreviewView) => html`<dl class="facts">
<dt>Key</dt><dd><code class="key">…${preview.keyHint}</code></dd>
<dt>Model</dt><dd>${preview.name} (${preview.sku})</dd>
<dt>Quantity</dt><dd>${preview.quantity} license${preview.quantity === 1 ? '' : 's'}</dd>
<dt>Each license</dt><dd>${preview.kind === 'pro' ? 'Pro license: cloud management, no VPN seat' : `${preview.users} SecuPoint VPN users`}, ${years(preview.termYears)} from its first association</dd>
${preview.kind === 'secupoint' ? html`<dt>VPN users in all</dt><dd>${preview.totalUsers}</dd>` : ''}
</dl>`;

/** Add license: the key is checked first (what it holds), then "Add" unzips it into the organization. */
export const keyPages: WebModule = (app, { ctx }) => {
  app.post('/organizations/:id/license-keys/preview', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    const organizationId = pathParam(request);
    const organization = unwrap(await showOrganization(ctx, customer.principal, organizationId));
    const key = field(request.body, 'key');
    const previewed = await previewKey(ctx, customer.principal, key);
    if (!previewed.ok)
      return inventoryPage(ctx, request, reply, customer, organizationId, {
        typed: { key },
        refusal: refusalOf('key', previewed.error),
      });
    const preview = previewed.value;
    const body = html`<p class="hint"><a href="/organizations">Gateways</a> › <a href="/organizations/${organizationId}">${organization.name}</a></p>
<div class="panel">
<h1>Add license</h1>
<p>This key unzips into <strong>${preview.summary}</strong>: that many licenses in ${organization.name}, unassociated.</p>
${contents(preview)}
${
  preview.added
    ? html`<p class="error" role="alert">This key was added to ${preview.addedTo === null ? 'an organization' : html`<a href="/organizations/${preview.addedTo}">an organization you administer</a>`} already: a key is added once; move its licenses from there.</p>
<p class="actions"><a class="button secondary" href="/organizations/${organizationId}">Back to the inventory</a></p>`
    : html`<form method="post" action="/organizations/${organizationId}/license-keys">
${csrfInput(customer.csrf)}
<input type="hidden" name="key" value="${key}">
<p class="actions"><button type="submit" name="add" value="key">Add</button> <a class="button secondary" href="/organizations/${organizationId}">Cancel</a></p>
</form>`
}
</div>`;
    return sendPage(
      reply,
      page({ title: 'Add license', visitor: customer, section: GATEWAYS_SECTION, body }),
    );
  });

  app.post('/organizations/:id/license-keys', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    const organizationId = pathParam(request);
    const key = field(request.body, 'key');
    const added = await addKey(ctx, customer.principal, organizationId, key);
    if (!added.ok)
      return inventoryPage(ctx, request, reply, customer, organizationId, {
        typed: { key },
        refusal: refusalOf('key', added.error),
      });
    throw new Redirect(`/organizations/${organizationId}?done=added`);
  });
};
