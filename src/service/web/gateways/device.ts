import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DeviceView } from '../../../contract/gateways.js';
import { ok, type Result } from '../../../domain/errors.js';
import { secupointVpnClientLine } from '../../../domain/gateway-seats.js';
import { formError } from '../../../html/document.js';
import { csrfInput, field } from '../../../html/forms.js';
import { type Html, html } from '../../../html/html.js';
import type { ServiceContext } from '../../context.js';
import { inventory, moveDevice, replaceDevice, showDevice } from '../../gateways/devices.js';
import { createEnrollment, type EnrollmentView } from '../../gateways/enrollment.js';
import { associateLicense, listLicenses } from '../../gateways/licenses.js';
import { listOrganizations, showOrganization } from '../../gateways/organizations.js';
import { unwrap } from '../../http/problem.js';
import { page } from '../layout.js';
import { badge, day, table } from '../parts.js';
import { noticeOf, pathParam, sendPage } from '../respond.js';
import { type Customer, Redirect, requireCustomer } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { GATEWAYS_SECTION } from './organizations.js';
import {
  association,
  choose,
  deviceStatus,
  keyOf,
  proStatus,
  type Refusal,
  refusalFor,
  refusalOf,
  term,
} from './parts.js';

const DONE = {
  moved: 'The device moved, with every license associated with it.',
  replaced: 'This device replaces the failed one: its licenses and replicas are here now.',
  associated: 'The license is associated: it is Merging for 7 days, in which it can be undone.',
};

interface DeviceState {
  refusal?: Refusal;
  /** A new enrollment code: shown on this answer only, never stored readable. */
  enrollment?: EnrollmentView;
}

function licenseRows(view: DeviceView): Html {
  return table({
    caption: `${view.licenses.length} licenses bound to this device`,
    head: ['Key', 'Model', 'Users', 'Gives now', 'Bound as', 'Association', 'Term', 'Shared with'],
    numeric: [2, 3],
    rows: view.licenses.map(
      ({ license, role, seats }) => html`<tr>
<td><code class="key">${keyOf(license)}</code><div class="hint">${license.id}</div></td>
<td>${license.sku}</td>
<td class="number">${license.users}</td>
<td class="number">${seats}</td>
<td>${role === 'own' ? (license.replicas.length > 0 ? 'own, shared' : 'own') : badge('replica')}</td>
<td>${role === 'own' ? association(license) : html`<span class="muted">—</span>`}</td>
<td>${term(license)}</td>
<td>${license.replicas.length === 0 ? html`<span class="muted">—</span>` : license.replicas.map((id, i) => html`${i === 0 ? '' : ', '}<a href="/devices/${id}">${id}</a>`)}</td>
</tr>`,
    ),
    empty: 'No license is bound to this device: assign one below.',
  });
}

const actionForm = (parts: {
  id: string;
  heading: string;
  action: string;
  csrf: string;
  refusal: Refusal | undefined;
  form: string;
  fields: Html | undefined;
  button: string;
  hint: string;
  none: string;
}): Html => html`<section aria-labelledby="${parts.id}-heading">
<h2 id="${parts.id}-heading">${parts.heading}</h2>
<div class="panel">
${refusalFor(parts.refusal, parts.form)}
<p class="hint">${parts.hint}</p>
${
  parts.fields === undefined
    ? html`<p class="muted">${parts.none}</p>`
    : html`<form method="post" action="${parts.action}">${csrfInput(parts.csrf)}${parts.fields}
<p class="actions"><button type="submit">${parts.button}</button></p></form>`
}
</div>
</section>`;

/** The device page: the "SecuPoint VPN Client" maximum at the top, what gives it, and what can be done. */
async function devicePage(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
  customer: Customer,
  deviceId: string,
  state: DeviceState = {},
): Promise<FastifyReply> {
  const { principal, csrf } = customer;
  // Another account's device is unknown (404); one of an organization not administered, 403.
  const view = unwrap(await showDevice(ctx, principal, deviceId));
  const { device } = view;
  const organization = unwrap(await showOrganization(ctx, principal, device.organizationId));
  const live = device.replacedBy === null;
  const others = (await listOrganizations(ctx, principal)).filter((other) => other.id !== organization.id);
  const siblings = unwrap(await inventory(ctx, principal, organization.id)).devices.filter(
    (other) => other.id !== device.id && other.replacedBy === null,
  );
  const unassociated = unwrap(await listLicenses(ctx, principal, organization.id)).filter(
    (license) => license.deviceId === null,
  );
  const enrollment = state.enrollment;
  const actions = html`${actionForm({
    id: 'assign',
    heading: 'Assign license',
    action: `/devices/${device.id}/licenses`,
    csrf,
    refusal: state.refusal,
    form: 'assign',
    fields: choose({
      id: 'assign-license',
      name: 'licenseId',
      label: 'License',
      choices: unassociated.map((license) => ({
        value: license.id,
        text: `${license.sku} ${keyOf(license)} (${license.id})`,
      })),
    }),
    button: 'Associate',
    hint: 'Its term starts at its first association; for 7 days it is Merging and can be undone from the inventory.',
    none: 'The organization has no unassociated license: add a key on its inventory.',
  })}
${actionForm({
  id: 'move',
  heading: 'Move the device',
  action: `/devices/${device.id}/move`,
  csrf,
  refusal: state.refusal,
  form: 'move',
  fields: choose({
    id: 'move-organization',
    name: 'organizationId',
    label: 'To organization',
    choices: others.map((other) => ({ value: other.id, text: other.name })),
  }),
  button: 'Move device',
  hint: 'The device moves with every license associated with it, to another organization you administer.',
  none: 'You administer no other organization.',
})}
${actionForm({
  id: 'replace',
  heading: 'Replace the device',
  action: `/devices/${device.id}/replace`,
  csrf,
  refusal: state.refusal,
  form: 'replace',
  fields: choose({
    id: 'replacement',
    name: 'replacementId',
    label: 'Replacement',
    choices: siblings.map((other) => ({ value: other.id, text: `${other.name} (${other.serialNumber})` })),
  }),
  button: 'Replace device',
  hint: 'When this gateway failed: its licenses and the replicas it holds go to the replacement, keeping their terms; this one counts nothing from then on and its credential ends.',
  none: 'Register the replacement in this organization first.',
})}
<section aria-labelledby="enroll-heading">
<h2 id="enroll-heading">Enrollment code</h2>
<div class="panel">
${refusalFor(state.refusal, 'enroll')}
${
  enrollment === undefined
    ? ''
    : html`<p role="status">Type this code on the gateway (<code>seatkeeper agent enroll --code</code>). It is shown once, works once, and until ${day(enrollment.expiresAt)} ${enrollment.expiresAt.slice(11, 16)} UTC:</p>
<p><code class="key" id="enrollment-code">${enrollment.code}</code></p>`
}
<p class="hint">The gateway exchanges a one-time code, valid 24 hours, for its device credential. A new code replaces the last one.</p>
<form method="post" action="/devices/${device.id}/enrollment">${csrfInput(csrf)}
<p class="actions"><button type="submit" class="secondary">Make an enrollment code</button></p></form>
</div>
</section>`;
  const body = html`<p class="hint"><a href="/organizations">Gateways</a> › <a href="/organizations/${organization.id}">${organization.name}</a> › ${device.name}</p>
<h1>${device.name}</h1>
${
  live
    ? html`<p class="panel"><strong id="secupoint-vpn-client">${secupointVpnClientLine(view.secupointVpnClient)}</strong></p>`
    : html`${formError(state.refusal?.message)}<p class="panel">Replaced by <a href="/devices/${device.replacedBy}">${device.replacedBy}</a>: it holds and counts nothing.</p>`
}
<dl class="facts panel">
<dt>License status</dt><dd>${deviceStatus(device)}${device.expiresAt === null ? '' : `, expires ${day(device.expiresAt)}`}</dd>
<dt>Pro license</dt><dd>${proStatus(view.pro)}</dd>
<dt>Model</dt><dd>${device.model}</dd>
<dt>Serial number</dt><dd><code>${device.serialNumber}</code></dd>
<dt>MAC</dt><dd><code>${device.mac}</code></dd>
<dt>Registered</dt><dd>${day(device.registeredAt)} by ${device.registeredBy}</dd>
<dt>Enrolled</dt><dd>${device.enrolled ? 'yes: the gateway holds its device credential' : 'not yet'}</dd>
</dl>
<h2>Licenses</h2>
${licenseRows(view)}
${live ? actions : ''}`;
  return sendPage(
    reply,
    page({
      title: device.name,
      visitor: customer,
      section: GATEWAYS_SECTION,
      notice: noticeOf(request, DONE),
      body,
    }),
    state.refusal?.status ?? (enrollment === undefined ? 200 : 201),
  );
}

export const devicePages: WebModule = (app, { ctx }) => {
  app.get('/devices/:id', async (request, reply) =>
    devicePage(ctx, request, reply, await requireCustomer(ctx, request, reply), pathParam(request)),
  );

  /** A device action: checked as the device page is first, so unknown and not administered answer as it does. */
  const action = (
    path: string,
    form: string,
    act: (customer: Customer, deviceId: string, body: unknown) => Promise<Result<string>>,
  ) =>
    app.post(`/devices/:id/${path}`, async (request, reply) => {
      const customer = await requireCustomer(ctx, request, reply);
      const deviceId = pathParam(request);
      unwrap(await showDevice(ctx, customer.principal, deviceId));
      const next = await act(customer, deviceId, request.body);
      if (!next.ok)
        return devicePage(ctx, request, reply, customer, deviceId, { refusal: refusalOf(form, next.error) });
      throw new Redirect(next.value);
    });

  const to = <T>(done: Result<T>, where: (value: T) => string): Result<string> =>
    done.ok ? ok(where(done.value)) : done;

  action('licenses', 'assign', async ({ principal }, deviceId, body) =>
    to(
      await associateLicense(ctx, principal, field(body, 'licenseId'), deviceId),
      () => `/devices/${deviceId}?done=associated`,
    ),
  );
  action('move', 'move', async ({ principal }, deviceId, body) =>
    to(
      await moveDevice(ctx, principal, deviceId, field(body, 'organizationId')),
      () => `/devices/${deviceId}?done=moved`,
    ),
  );
  action('replace', 'replace', async ({ principal }, deviceId, body) =>
    to(
      await replaceDevice(ctx, principal, deviceId, field(body, 'replacementId')),
      (replacement) => `/devices/${replacement.device.id}?done=replaced`,
    ),
  );

  // The code is shown in this answer, never in a URL or a redirect's notice.
  app.post('/devices/:id/enrollment', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    const deviceId = pathParam(request);
    unwrap(await showDevice(ctx, customer.principal, deviceId));
    const made = await createEnrollment(ctx, customer.principal, deviceId);
    return devicePage(
      ctx,
      request,
      reply,
      customer,
      deviceId,
      made.ok ? { enrollment: made.value } : { refusal: refusalOf('enroll', made.error) },
    );
  });
};
