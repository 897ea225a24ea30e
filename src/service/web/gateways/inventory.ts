import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Device } from '../../../contract/gateways.js';
import { csrfInput, field } from '../../../html/forms.js';
import { type Html, html } from '../../../html/html.js';
import type { ServiceContext } from '../../context.js';
import { inventory, registerDevice } from '../../gateways/devices.js';
import { listLicenses } from '../../gateways/licenses.js';
import { listOrganizations, showOrganization } from '../../gateways/organizations.js';
import { unwrap } from '../../http/problem.js';
import { page } from '../layout.js';
import { day, table } from '../parts.js';
import { noticeOf, pathParam, sendPage } from '../respond.js';
import { type Customer, Redirect, requireCustomer } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { licenseTable } from './license-table.js';
import { GATEWAYS_SECTION } from './organizations.js';
import { deviceStatus, type Refusal, refusalFor, refusalOf } from './parts.js';

/** What a refused form is shown again with: the refusal and what was typed. */
export interface InventoryState {
  refusal?: Refusal;
  typed?: Record<string, string>;
}

/** What the pages say after a form on the inventory was done (`?done=`). */
const DONE = {
  created: 'The organization is created: register its gateways and add its license keys.',
  registered: 'The device is registered.',
  added: 'The key is added: its licenses are below, unassociated.',
  associated: 'The license is associated: it is Merging for 7 days, in which it can be undone.',
  undone: 'The association is undone: the license is back in the inventory, its term still running.',
  moved: 'The license is moved to the other organization.',
  shared: 'The license is shared: a replica is bound to each gateway chosen.',
  unshared: 'The replica is undone: that gateway left the license’s pool.',
};

const REGISTER_FIELDS = [
  { name: 'serialNumber', label: 'Serial number', hint: '4 to 64 letters, digits or dashes' },
  { name: 'mac', label: 'MAC', hint: 'Like 88:DC:96:12:34:56' },
  { name: 'model', label: 'Model', hint: 'Like ESG510' },
  { name: 'name', label: 'Name', hint: '' },
] as const;

function registerForm(organizationId: string, csrf: string, state: InventoryState): Html {
  return html`<section aria-labelledby="register-heading">
<h2 id="register-heading">Register a device</h2>
<div class="panel">
${refusalFor(state.refusal, 'register')}
<form method="post" action="/organizations/${organizationId}/devices">
${csrfInput(csrf)}
${REGISTER_FIELDS.map(
  (input) => html`<label for="device-${input.name}">${input.label}</label>
<input id="device-${input.name}" name="${input.name}" type="text" required value="${state.typed?.[input.name] ?? ''}"${input.hint === '' ? '' : html` aria-describedby="device-${input.name}-hint"`}>
${input.hint === '' ? '' : html`<p class="hint" id="device-${input.name}-hint">${input.hint}</p>`}`,
)}
<p class="actions"><button type="submit">Register device</button></p>
</form>
</div>
</section>`;
}

function addKeyForm(organizationId: string, csrf: string, state: InventoryState): Html {
  return html`<section aria-labelledby="key-heading">
<h2 id="key-heading">Add license</h2>
<div class="panel">
${refusalFor(state.refusal, 'key')}
<form method="post" action="/organizations/${organizationId}/license-keys/preview">
${csrfInput(csrf)}
<label for="license-key">License key</label>
<input id="license-key" name="key" type="text" required autocomplete="off" value="${state.typed?.key ?? ''}" aria-describedby="license-key-hint">
<p class="hint" id="license-key-hint">The key from the order’s PDF. You see what it holds before it is added; a key is added once.</p>
<p class="actions"><button type="submit">Check the key</button></p>
</form>
</div>
</section>`;
}

function deviceRow(device: Device): Html {
  return html`<tr>
<td><a href="/devices/${device.id}">${device.name}</a></td>
<td>${device.model}</td>
<td><code>${device.serialNumber}</code></td>
<td><code>${device.mac}</code></td>
<td>${deviceStatus(device)}</td>
<td>${device.expiresAt === null ? html`<span class="muted">—</span>` : day(device.expiresAt)}</td>
<td class="number">${device.replacedBy === null ? device.vpnSeats : 0}</td>
<td>${day(device.registeredAt)}</td>
<td>${device.registeredBy}</td>
</tr>`;
}

/** Organization → Inventory & License: the devices, headed by the earliest expiry, and the licenses. */
export async function inventoryPage(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
  customer: Customer,
  organizationId: string,
  state: InventoryState = {},
): Promise<FastifyReply> {
  // Another account's organization is unknown (404); one the visitor does not administer, 403.
  const organization = unwrap(await showOrganization(ctx, customer.principal, organizationId));
  const { summary, devices } = unwrap(await inventory(ctx, customer.principal, organizationId));
  const licenses = unwrap(await listLicenses(ctx, customer.principal, organizationId));
  const elsewhere = (await listOrganizations(ctx, customer.principal)).filter(
    (other) => other.id !== organizationId,
  );
  const live = devices.filter((device) => device.replacedBy === null);
  const body = html`<p class="hint"><a href="/organizations">Gateways</a> › ${organization.name}</p>
<h1>${organization.name}: Inventory &amp; License</h1>
<section aria-labelledby="devices-heading">
<h2 id="devices-heading">Devices</h2>
<dl class="facts panel">
<dt>Earliest expiry</dt><dd>${summary.earliestExpiry === null ? 'none' : day(summary.earliestExpiry)}</dd>
<dt>Expired devices</dt><dd>${summary.expired}</dd>
<dt>Devices expiring within 30 days</dt><dd>${summary.expiringWithin30Days}</dd>
</dl>
${table({
  caption: `${live.length} devices`,
  head: [
    'Name',
    'Model',
    'Serial Number',
    'MAC',
    'License Status',
    'Expiration Date',
    'VPN seats',
    'Register Time',
    'Registered by',
  ],
  numeric: [6],
  rows: devices.map(deviceRow),
  empty: 'No devices in this organization yet: register one below.',
})}
</section>
${registerForm(organizationId, customer.csrf, state)}
<section aria-labelledby="licenses-heading">
<h2 id="licenses-heading">Licenses</h2>
${refusalFor(state.refusal, 'licenses')}
${licenseTable({ csrf: customer.csrf, organizationId, licenses, devices: live, elsewhere })}
<p class="hint">A license is Merging for 7 days after its association, in which it can be undone; then it is Merged for good. An unassociated license can move to another organization you administer. A SecuPoint license of more than 100 users can be shared by up to 3 gateways of the organization, its own included.</p>
</section>
${addKeyForm(organizationId, customer.csrf, state)}`;
  return sendPage(
    reply,
    page({
      title: `${organization.name}: Inventory & License`,
      visitor: customer,
      section: GATEWAYS_SECTION,
      notice: noticeOf(request, DONE),
      body,
    }),
    state.refusal?.status ?? 200,
  );
}

export const inventoryPages: WebModule = (app, { ctx }) => {
  app.get('/organizations/:id', async (request, reply) =>
    inventoryPage(ctx, request, reply, await requireCustomer(ctx, request, reply), pathParam(request)),
  );

  app.post('/organizations/:id/devices', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    const organizationId = pathParam(request);
    const typed = Object.fromEntries(
      REGISTER_FIELDS.map((input) => [input.name, field(request.body, input.name)]),
    ) as Record<(typeof REGISTER_FIELDS)[number]['name'], string>;
    const registered = await registerDevice(ctx, customer.principal, organizationId, typed);
    // Not the visitor's organization: the page answers the same 404 or 403 as when shown.
    if (!registered.ok)
      return inventoryPage(ctx, request, reply, customer, organizationId, {
        typed,
        refusal: refusalOf('register', registered.error),
      });
    throw new Redirect(`/organizations/${organizationId}?done=registered`);
  });
};
