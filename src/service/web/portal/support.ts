import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OpenRequest } from '../../../contract/support.js';
import { ERRORS, type Failure, fail, ok, type Result } from '../../../domain/errors.js';
import type { RequestType } from '../../../domain/support.js';
import { formError } from '../../../html/document.js';
import { csrfInput, field } from '../../../html/forms.js';
import { type Html, html } from '../../../html/html.js';
import { problem } from '../../http/problem.js';
import { asSeenBy, type LicenseView, listLicenses } from '../../licenses/operations.js';
import { findRequest, listRequests, openRequest, requestsSeenBy } from '../../support/operations.js';
import {
  age,
  KIND_LABELS,
  keyNamed,
  outcomeText,
  requestFacts,
  requestStatusBadge,
} from '../console/request-view.js';
import { page } from '../layout.js';
import { day, shownKeyStatus, table } from '../parts.js';
import { noticeOf, pathParam, sendPage } from '../respond.js';
import { type Customer, Redirect, requireCustomer } from '../visitor.js';
import type { WebModule } from '../web-module.js';

/** What each kind of request asks for, in the seeds' terms. */
const KIND_HINTS: Record<RequestType, string> = {
  refund:
    'A key never activated, bought within the last 30 days: the key is revoked and the money goes back to the original method of purchase.',
  split: 'A key never activated becomes several keys whose connections add up to its own.',
  transfer: 'The key moves to another account, named by its registered email.',
  replacement: 'A new key for this one, which ends after a short overlap.',
  failover: 'A free failover key for an integrated standby server: one per key.',
};
const KINDS = Object.keys(KIND_HINTS) as RequestType[];

/** The longest texts the API takes; the page says so rather than send what will be refused. */
const LIMITS = {
  message: 4000,
  toAccount: 254,
  licenseKey: 64,
  primaryHolder: 254,
  orderNumber: 32,
} as const;

type Typed = Record<'type' | 'licenseId' | 'message' | 'parts' | keyof typeof LIMITS, string>;

const typedOf = (body: unknown): Typed => ({
  type: field(body, 'type'),
  licenseId: field(body, 'licenseId'),
  message: field(body, 'message'),
  parts: field(body, 'parts'),
  toAccount: field(body, 'toAccount'),
  licenseKey: field(body, 'licenseKey'),
  primaryHolder: field(body, 'primaryHolder'),
  orderNumber: field(body, 'orderNumber'),
});

/** The form as the API's request: what the contract checks there, this checks here. */
function requestOf(typed: Typed, keys: readonly LicenseView[]): Result<OpenRequest> {
  const type = KINDS.find((kind) => kind === typed.type);
  if (type === undefined)
    return fail('validation_failed', 'Choose what you need: the kind of request.', 'type');
  if (!keys.some((key) => key.id === typed.licenseId))
    return fail('validation_failed', 'Choose the license key the request is about.', 'licenseId');
  if (typed.message === '')
    return fail('validation_failed', 'Say what you need and why: staff read it.', 'message');
  for (const name of Object.keys(LIMITS) as (keyof typeof LIMITS)[])
    if (typed[name].length > LIMITS[name])
      return fail('validation_failed', `This is too long: at most ${LIMITS[name]} characters.`, name);
  const optional = (name: 'toAccount' | 'licenseKey' | 'primaryHolder' | 'orderNumber') =>
    typed[name] === '' ? {} : { [name]: typed[name] };
  let parts: number[] | undefined;
  if (type === 'split') {
    parts = typed.parts
      .split(/[\s,+]+/)
      .filter((part) => part !== '')
      .map(Number);
    if (parts.length < 2 || parts.length > 100 || parts.some((part) => !Number.isInteger(part) || part < 1))
      return fail(
        'validation_failed',
        'Give the new keys’ connections as two or more whole numbers, such as 5, 5.',
        'parts',
      );
  }
  return ok({
    type,
    licenseId: typed.licenseId,
    message: typed.message,
    ...(parts === undefined ? {} : { parts }),
    ...(type === 'transfer' ? optional('toAccount') : {}),
    ...optional('licenseKey'),
    ...optional('primaryHolder'),
    ...optional('orderNumber'),
  });
}

const text = (name: keyof Typed, label: string, typed: Partial<Typed>, hint?: string): Html =>
  html`<label for="${name}">${label}</label>
${hint === undefined ? '' : html`<p class="hint" id="${name}-hint">${hint}</p>`}
<input id="${name}" name="${name}" type="text" value="${typed[name] ?? ''}"${hint === undefined ? '' : html` aria-describedby="${name}-hint"`}>`;

/** Support: the account's requests, a new one, and each one's outcome. */
export const supportPages: WebModule = (app, { ctx }) => {
  app.get('/support', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    const now = ctx.clock.now();
    const requests = (await listRequests(ctx, requestsSeenBy(customer.principal))).reverse();
    const owner = customer.principal.role === 'owner';
    const body = html`<h1>Support</h1>
<p class="actions"><a class="button" href="/support/new">Open a support request</a></p>
${table({
  caption: owner ? 'The account’s requests, newest first' : 'Your requests, newest first',
  head: ['Request', 'Key', 'Status', 'Opened', 'Waiting or decided'],
  rows: requests.map(
    (item) => html`<tr>
<td><a href="/support/${item.id}">${KIND_LABELS[item.type]}</a></td>
<td><code class="key">${keyNamed(item.keyHint)}</code></td>
<td>${requestStatusBadge(item)}</td>
<td>${day(item.createdAt)}${owner ? html`<div class="hint">by ${item.requesterEmail}</div>` : ''}</td>
<td>${item.decidedAt === null ? `waiting ${age(item.createdAt, now)}` : `decided ${day(item.decidedAt)}`}</td>
</tr>`,
  ),
  empty: 'No support request yet.',
})}`;
    return sendPage(reply, page({ title: 'Support', visitor: customer, section: '/support', body }));
  });

  async function newRequestPage(
    reply: FastifyReply,
    customer: Customer,
    keys: readonly LicenseView[],
    state: { refusal?: Failure; typed?: Partial<Typed> } = {},
  ): Promise<FastifyReply> {
    const typed = state.typed ?? {};
    const now = ctx.clock.now();
    const member = customer.principal.role !== 'owner';
    const form =
      keys.length === 0
        ? html`<p class="panel">A support request is about one of the account’s license keys, and it has none that is not revoked. <a href="/support">Back to Support</a></p>`
        : html`<form method="post" action="/support/new" class="panel">
${formError(state.refusal?.detail)}
${csrfInput(customer.csrf)}
<fieldset><legend>What do you need?</legend>
${KINDS.map(
  (kind, index) => html`<label class="choice"><input type="radio" name="type" value="${kind}"${
    (typed.type ?? 'refund') === kind ? html` checked` : ''
  } aria-describedby="kind-${index}"> ${KIND_LABELS[kind]}</label>
<p class="hint" id="kind-${index}">${KIND_HINTS[kind]}</p>`,
)}
</fieldset>
<label for="licenseId">License key</label>
<select id="licenseId" name="licenseId" required>${keys.map(
            (key) =>
              html`<option value="${key.id}"${typed.licenseId === key.id ? html` selected` : ''}>${keyNamed(key.key.slice(-4))}: ${key.connections} connections, ${shownKeyStatus(key, now)}, bought ${day(key.starts)}</option>`,
          )}</select>
<label for="message">Why (staff read it)</label>
<textarea id="message" name="message" maxlength="${LIMITS.message}" required>${typed.message ?? ''}</textarea>
${text('parts', 'For a split: the new keys’ connections', typed, 'Two or more numbers that add up to the key’s connections, such as 5, 5.')}
${text('toAccount', 'For a transfer: the registered email of the account to move the key to', typed)}
${
  member
    ? html`<fieldset><legend>You are not the primary license holder: prove the account’s authority</legend>
${text('licenseKey', 'The license key in question', typed)}
${text('primaryHolder', 'The primary license holder’s contact name or email address', typed)}
${text('orderNumber', 'The order number issued for that license key', typed)}
</fieldset>`
    : text('orderNumber', 'For a transfer: the order number you cite (optional)', typed)
}
<p class="actions"><button type="submit">Open the request</button> <a href="/support">Cancel</a></p>
</form>`;
    const body = html`<h1>Open a support request</h1>
${form}`;
    const status = state.refusal === undefined ? 200 : ERRORS[state.refusal.code].status;
    return sendPage(
      reply,
      page({ title: 'Open a support request', visitor: customer, section: '/support', body }),
      status,
    );
  }

  /** The keys a request may be about: the account's, as this user sees them, not revoked. */
  const keysOf = async (customer: Customer) =>
    (await listLicenses(ctx, { accountId: customer.principal.accountId }))
      .map(asSeenBy(customer.principal))
      .filter((key) => key.status !== 'revoked');

  app.get('/support/new', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    return newRequestPage(reply, customer, await keysOf(customer));
  });

  app.post('/support/new', async (request, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    const keys = await keysOf(customer);
    const typed = typedOf(request.body);
    const asked = requestOf(typed, keys);
    if (!asked.ok) return newRequestPage(reply, customer, keys, { refusal: asked.error, typed });
    const opened = await openRequest(ctx, customer.principal, asked.value);
    if (!opened.ok) return newRequestPage(reply, customer, keys, { refusal: opened.error, typed });
    throw new Redirect(`/support/${opened.value.id}?done=opened`);
  });

  app.get('/support/:id', async (request: FastifyRequest, reply) => {
    const customer = await requireCustomer(ctx, request, reply);
    const found = await findRequest(ctx, customer.principal, pathParam(request));
    if (!found.ok) throw problem(found.error.code, found.error.detail, found.error.field);
    const item = found.value;
    const outcome = await outcomeText(ctx, customer.principal, item);
    const body = html`<h1>${KIND_LABELS[item.type]} request for key ${keyNamed(item.keyHint)}</h1>
<div class="panel">${requestFacts(item)}</div>
<h2>Outcome</h2>
<p class="panel">${outcome ?? `Waiting for vendor staff (${age(item.createdAt, ctx.clock.now())} so far): this page shows their decision.`}</p>
<p><a href="/support">All support requests</a></p>`;
    return sendPage(
      reply,
      page({
        title: `${KIND_LABELS[item.type]} request`,
        visitor: customer,
        section: '/support',
        notice: noticeOf(request, { opened: 'Request opened: vendor staff will decide it.' }),
        body,
      }),
    );
  });
};
