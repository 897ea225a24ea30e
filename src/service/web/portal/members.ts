import type { FastifyReply } from 'fastify';
import { normalizeEmail } from '../../../domain/email.js';
import { ERRORS } from '../../../domain/errors.js';
import { formError } from '../../../html/document.js';
import { csrfInput, field } from '../../../html/forms.js';
import { type Html, html } from '../../../html/html.js';
import { addMember, listMembers, type MemberView, removeMember } from '../../accounts/operations.js';
import { LINK_LIFETIME_MS } from '../../auth/password-links.js';
import { unwrap } from '../../http/problem.js';
import { page } from '../layout.js';
import { badge, table } from '../parts.js';
import { mailLink, passwordLinkUrl } from '../password-mail.js';
import { noticeOf, sendPage } from '../respond.js';
import { type Customer, Redirect, requireOwner } from '../visitor.js';
import type { WebModule } from '../web-module.js';

const INVITATION_DAYS = LINK_LIFETIME_MS.invitation / 86_400_000;

function memberRow(member: MemberView, customer: Customer): Html {
  return html`<tr>
<td>${member.email}</td>
<td>${member.role === 'owner' ? badge('owner', 'ok') : badge('member')}</td>
<td>${member.hasPassword ? 'set' : html`<span class="muted">not yet: invited</span>`}</td>
<td>${
    member.role === 'owner'
      ? html`<span class="muted">—</span>`
      : html`<form method="post" action="/members/${member.userId}/remove" class="inline">${csrfInput(customer.csrf)}<button type="submit" class="danger" aria-label="Remove ${member.email}">Remove</button></form>`
  }</td>
</tr>`;
}

interface MembersState {
  email?: string;
  error?: string;
  /** The invitation just made: its link is shown this once. */
  invited?: { email: string; link: string; emailed: boolean };
  notice?: string | undefined;
}

function membersPage(customer: Customer, members: readonly MemberView[], state: MembersState): Html {
  return page({
    title: 'Members',
    visitor: customer,
    section: '/members',
    notice: state.notice,
    body: html`<h1>Members</h1>
<p>Members sign in to this portal with their own email and password: they see the account’s keys, subscriptions, usage and gateways, and ask for support. Only you, the owner, buy, pay, see invoices and manage members.</p>
${
  state.invited === undefined
    ? ''
    : html`<div class="panel" role="status">
<h2>${state.invited.email} is invited</h2>
<p>${state.invited.emailed ? 'We emailed them this link; you can also pass it on yourself.' : 'This service sends no email: pass this link on to them yourself.'} It sets their password, works once, for ${INVITATION_DAYS} days, and is shown only now.</p>
<p><a href="${state.invited.link}">${state.invited.link}</a></p>
</div>`
}
${table({
  caption: `${members.length} ${members.length === 1 ? 'user' : 'users'} of this account`,
  head: ['Email', 'Role', 'Password', 'Remove'],
  rows: members.map((member) => memberRow(member, customer)),
  empty: 'This account has no users.',
})}
<h2>Invite a member</h2>
${formError(state.error)}
<form method="post" action="/members" class="panel narrow">
${csrfInput(customer.csrf)}
<label for="email">Their email</label>
<input id="email" name="email" type="email" autocomplete="off" required value="${state.email ?? ''}">
<p class="actions"><button type="submit">Invite</button></p>
</form>`,
  });
}

/** Members (the owner's): who signs in for the account, inviting one, removing one. */
export const memberPages: WebModule = (app, deps) => {
  const { ctx } = deps;
  async function show(reply: FastifyReply, customer: Customer, state: MembersState, status = 200) {
    const members = unwrap(await listMembers(ctx, customer.principal, customer.principal.accountId));
    return sendPage(reply, membersPage(customer, members, state), status);
  }

  app.get('/members', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    return show(reply, customer, {
      notice: noticeOf(request, {
        removed: 'The member is removed: their sessions and API tokens have ended.',
      }),
    });
  });

  app.post('/members', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const typed = field(request.body, 'email');
    const email = normalizeEmail(typed);
    if (!email.ok) return show(reply, customer, { email: typed, error: email.error.detail }, 400);
    const { accountId, userId } = customer.principal;
    const added = await addMember(ctx, accountId, email.value, userId, { invite: true });
    if (!added.ok)
      return show(
        reply,
        customer,
        { email: typed, error: added.error.detail },
        ERRORS[added.error.code].status,
      );
    const { invitation } = added.value;
    if (invitation === undefined) throw new Error('a member invited without an invitation link');
    const link = passwordLinkUrl(ctx, invitation.token);
    const emailed = await mailLink(deps, request, {
      to: email.value,
      subject: 'You are invited to a Seatkeeper account',
      text: `${customer.email} invited you to their Seatkeeper account.\n\nChoose your password here within ${INVITATION_DAYS} days:\n${link}\n\nThe link works once.\n`,
    });
    return show(reply, customer, { invited: { email: email.value, link, emailed } }, 201);
  });

  app.post('/members/:userId/remove', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const { userId } = request.params as { userId: string };
    const removed = await removeMember(ctx, customer.principal, customer.principal.accountId, userId);
    if (!removed.ok)
      return show(reply, customer, { error: removed.error.detail }, ERRORS[removed.error.code].status);
    throw new Redirect('/members?done=removed');
  });
};
