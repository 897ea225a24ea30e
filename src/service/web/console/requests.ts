import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type Failure } from '../../../domain/errors.js';
import { formError } from '../../../html/document.js';
import { csrfInput, field } from '../../../html/forms.js';
import { html } from '../../../html/html.js';
import { type AccountView, findAccount } from '../../accounts/operations.js';
import type { Principal } from '../../auth/principal.js';
import type { ServiceContext } from '../../context.js';
import { problem } from '../../http/problem.js';
import {
  approveRequest,
  declineRequest,
  findRequest,
  listRequests,
  type SupportRequestView,
} from '../../support/operations.js';
import { page } from '../layout.js';
import { day, table } from '../parts.js';
import { noticeOf, pathParam, sendPage } from '../respond.js';
import { Redirect, requireStaffVisitor, type Visitor } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { age, KIND_LABELS, keyNamed, outcomeText, requestFacts, requestStatusBadge } from './request-view.js';
import { accountLink, accountsByIds } from './shared.js';

/** Decided requests the queue still shows below the open ones, newest first. */
const DECIDED_SHOWN = 50;

/** How the requester showed the authority to ask: the primary holder, or a member with the three facts. */
const proofOf = (request: SupportRequestView, account: AccountView | undefined): string =>
  account !== undefined && request.requesterEmail === account.email
    ? 'primary holder'
    : 'member: gave the key, the primary holder and the order number';

/** The support queue and one request's page, where staff approve or decline it. */
export const requestPages: WebModule = (app, { ctx }) => {
  app.get('/console', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    const now = ctx.clock.now();
    const requests = await listRequests(ctx, {});
    const open = requests.filter((item) => item.status === 'open');
    const decided = requests
      .filter((item) => item.status !== 'open')
      .reverse()
      .slice(0, DECIDED_SHOWN);
    const accounts = await accountsByIds(
      ctx,
      [...open, ...decided].map((item) => item.accountId),
    );
    const openRows = open.map((item) => {
      const account = accounts.get(item.accountId);
      return html`<tr>
<td><a href="/console/requests/${item.id}">${KIND_LABELS[item.type]}</a></td>
<td>${accountLink(item.accountId, account)}</td>
<td><code class="key">${keyNamed(item.keyHint)}</code></td>
<td>${item.message}</td>
<td>${proofOf(item, account)}</td>
<td>${age(item.createdAt, now)}</td>
</tr>`;
    });
    const decidedRows = decided.map(
      (item) => html`<tr>
<td><a href="/console/requests/${item.id}">${KIND_LABELS[item.type]}</a></td>
<td>${accountLink(item.accountId, accounts.get(item.accountId))}</td>
<td><code class="key">${keyNamed(item.keyHint)}</code></td>
<td>${requestStatusBadge(item)}</td>
<td>${item.decidedAt === null ? '' : day(item.decidedAt)}</td>
</tr>`,
    );
    const body = html`<h1>Support queue</h1>
${table({
  caption: `${open.length} open request${open.length === 1 ? '' : 's'}, oldest first`,
  head: ['Kind', 'Account', 'Key', 'Reason', 'Proof', 'Waiting'],
  rows: openRows,
  empty: 'No request is waiting: the queue is empty.',
})}
<h2>Recently decided</h2>
${table({
  caption: `The last ${DECIDED_SHOWN} decided requests at most, newest first`,
  head: ['Kind', 'Account', 'Key', 'Status', 'Decided'],
  rows: decidedRows,
  empty: 'No request has been decided yet.',
})}`;
    return sendPage(reply, page({ title: 'Support queue', visitor: staff, section: '/console', body }));
  });

  async function requestPage(
    request: FastifyRequest,
    reply: FastifyReply,
    staff: Visitor,
    state: { refusal?: Failure; note?: string; reason?: string } = {},
  ): Promise<FastifyReply> {
    const found = await findRequest(ctx, staff.principal, pathParam(request));
    if (!found.ok) throw problem(found.error.code, found.error.detail, found.error.field);
    const item = found.value;
    const account = await findAccount(ctx, item.accountId);
    const outcome = await outcomeText(ctx, staff.principal, item);
    const action = `/console/requests/${item.id}`;
    const forms = html`<h2>Decide</h2>
<div class="panel">
<form method="post" action="${action}/approve">
${csrfInput(staff.csrf)}
<label for="note">Note to the requester (optional)</label>
<textarea id="note" name="note" maxlength="4000">${state.note ?? ''}</textarea>
<p class="actions"><button type="submit">Approve</button></p>
<p class="hint">Approving runs the operation now: ${operationHint(item)}</p>
</form>
</div>
<div class="panel">
<form method="post" action="${action}/decline">
${csrfInput(staff.csrf)}
<label for="reason">Reason for declining (the requester reads it)</label>
<textarea id="reason" name="reason" maxlength="4000" required>${state.reason ?? ''}</textarea>
<p class="actions"><button type="submit" class="danger">Decline</button></p>
</form>
</div>`;
    const body = html`<h1>${KIND_LABELS[item.type]} request for key ${keyNamed(item.keyHint)}</h1>
<div class="panel">${requestFacts(item, [
      ['Account', accountLink(item.accountId, account)],
      ['Proof', proofOf(item, account)],
    ])}</div>
${formError(state.refusal?.detail)}
${item.status === 'open' ? forms : html`<h2>Outcome</h2><p class="panel">${outcome ?? ''}</p>`}
<p><a href="/console">Back to the support queue</a></p>`;
    const status = state.refusal === undefined ? 200 : ERRORS[state.refusal.code].status;
    return sendPage(
      reply,
      page({
        title: `${KIND_LABELS[item.type]} request`,
        visitor: staff,
        section: '/console',
        notice: noticeOf(request, outcome === undefined ? {} : { approved: outcome, declined: outcome }),
        body,
      }),
      status,
    );
  }

  app.get('/console/requests/:id', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    return requestPage(request, reply, staff);
  });

  app.post('/console/requests/:id/approve', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    const id = pathParam(request);
    await knownRequest(ctx, staff.principal, id);
    const note = field(request.body, 'note');
    const approved = await approveRequest(ctx, { id, actor: staff.principal.userId, note });
    if (!approved.ok) return requestPage(request, reply, staff, { refusal: approved.error, note });
    throw new Redirect(`/console/requests/${id}?done=approved`);
  });

  app.post('/console/requests/:id/decline', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    const id = pathParam(request);
    await knownRequest(ctx, staff.principal, id);
    const reason = field(request.body, 'reason');
    const declined = await declineRequest(ctx, { id, actor: staff.principal.userId, reason });
    if (!declined.ok) return requestPage(request, reply, staff, { refusal: declined.error, reason });
    throw new Redirect(`/console/requests/${id}?done=declined`);
  });
};

/** An unknown request is a missing page, not a refused form. */
async function knownRequest(ctx: ServiceContext, viewer: Principal, id: string): Promise<void> {
  const found = await findRequest(ctx, viewer, id);
  if (!found.ok) throw problem(found.error.code, found.error.detail, found.error.field);
}

function operationHint(request: SupportRequestView): string {
  switch (request.type) {
    case 'refund':
      return 'the key is revoked, a credit note issued and the money paid back to the original method of purchase.';
    case 'split':
      return 'the key ends and new keys with the connections asked for are issued.';
    case 'replacement':
      return 'a new key is issued; the old one ends after the overlap.';
    case 'failover':
      return 'a free failover key is issued for the standby server.';
    case 'transfer':
      return 'the key moves to the named account.';
  }
}
