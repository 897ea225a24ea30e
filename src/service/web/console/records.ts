import type { FastifyRequest } from 'fastify';
import type { ReminderStatus } from '../../../contract/reminders.js';
import { ID_BODY } from '../../../domain/ids.js';
import { formError } from '../../../html/document.js';
import { type Html, html } from '../../../html/html.js';
import { resolveAccount } from '../../accounts/operations.js';
import { type AuditView, auditPage } from '../../audit/log.js';
import { emailsOf } from '../../auth/user-repository.js';
import { problem } from '../../http/problem.js';
import { listReminders, type ReminderView } from '../../reminders/operations.js';
import { page } from '../layout.js';
import { badge, day, table } from '../parts.js';
import { queryParam, sendPage } from '../respond.js';
import { requireStaffVisitor } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { accountLink, accountsByIds } from './shared.js';

/** Entries a page of the audit log shows. */
const AUDIT_PAGE = 50;
/** Reminders each list shows, newest first. */
const REMINDERS_SHOWN = 100;
/** How much of a change's record a row shows; the API has all of it. */
const CHANGE_CHARS = 140;

const auditCursor = (request: FastifyRequest, name: 'after' | 'before'): string | undefined => {
  const value = queryParam(request, name);
  if (value === '') return undefined;
  if (!new RegExp(`^aud_${ID_BODY}$`).test(value))
    throw problem('validation_failed', `There is no audit entry ${value} to page from.`, name);
  return value;
};

const changeOf = (entry: AuditView): string => {
  const text = entry.after === null ? '' : JSON.stringify(entry.after);
  return text.length > CHANGE_CHARS ? `${text.slice(0, CHANGE_CHARS)}…` : text;
};

/** Audit log (a page at a time, by account) and expiry reminders (due and sent). */
export const recordPages: WebModule = (app, { ctx }) => {
  app.get('/console/audit', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    const reference = queryParam(request, 'account');
    const account = reference === '' ? undefined : await resolveAccount(ctx, reference);
    const after = auditCursor(request, 'after');
    const before = after === undefined ? auditCursor(request, 'before') : undefined;
    const listed =
      account === undefined || account.ok
        ? await auditPage(ctx, { accountId: account?.value.id, after, before, limit: AUDIT_PAGE })
        : undefined;
    if (listed !== undefined && !listed.ok)
      throw problem(listed.error.code, listed.error.detail, listed.error.field);
    const entries = listed?.value.entries ?? [];
    const [accounts, actors] = await Promise.all([
      accountsByIds(
        ctx,
        entries.flatMap((entry) => (entry.accountId === null ? [] : [entry.accountId])),
      ),
      emailsOf(ctx.store.db, [...new Set(entries.map((entry) => entry.actor))]),
    ]);
    const filter: Record<string, string> = reference === '' ? {} : { account: reference };
    const link = (cursor: Record<string, string>, text: string): Html =>
      html`<a href="/console/audit?${new URLSearchParams({ ...filter, ...cursor }).toString()}">${text}</a>`;
    const first = entries[0];
    // A page read backwards that came up short has reached the start of the log.
    const atStart =
      (after === undefined && before === undefined) || (before !== undefined && entries.length < AUDIT_PAGE);
    const next = listed?.value.next ?? null;
    const pages = html`<nav class="pages" aria-label="Audit log pages">${atStart || first === undefined ? '' : link({ before: first.id }, 'Previous page')}${next === null ? '' : link({ after: next }, 'Next page')}</nav>`;
    const body = html`<h1>Audit log</h1>
<form method="get" action="/console/audit" class="panel">
${formError(account !== undefined && !account.ok ? account.error.detail : undefined)}
<label for="account">Account (its id or registered email)</label>
<input id="account" name="account" type="text" value="${reference}">
<p class="actions"><button type="submit" class="secondary">Filter</button>${reference === '' ? '' : html` <a href="/console/audit">All accounts</a>`}</p>
</form>
${table({
  caption: `${entries.length} entries, oldest first${account?.ok ? `, of ${account.value.name}` : ''}`,
  head: ['When', 'Actor', 'Account', 'What', 'Action', 'Recorded'],
  rows: entries.map(
    (entry) => html`<tr>
<td>${entry.at.slice(0, 19).replace('T', ' ')}</td>
<td>${actors.get(entry.actor) ?? entry.actor}</td>
<td>${entry.accountId === null ? html`<span class="muted">—</span>` : accountLink(entry.accountId, accounts.get(entry.accountId))}</td>
<td>${entry.entity} <code>${entry.entityId}</code></td>
<td>${entry.action}</td>
<td><code>${changeOf(entry)}</code></td>
</tr>`,
  ),
  empty: 'No entry here.',
})}
${pages}`;
    return sendPage(
      reply,
      page({ title: 'Audit log', visitor: staff, section: '/console/audit', body }),
      account !== undefined && !account.ok ? 404 : 200,
    );
  });

  app.get('/console/reminders', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    const lists = await Promise.all(
      (['pending', 'sent'] as const).map((status) => listReminders(ctx, { status, limit: REMINDERS_SHOWN })),
    );
    const [due, sent] = lists.map((list) => list.reminders);
    const accounts = await accountsByIds(
      ctx,
      [...(due ?? []), ...(sent ?? [])].map((reminder) => reminder.accountId),
    );
    const rows = (reminders: readonly ReminderView[]) =>
      reminders.map(
        (reminder) => html`<tr>
<td>${reminder.subject === 'subscription' ? 'subscription' : reminder.subjectId.startsWith('gwl_') ? 'gateway license' : 'license key'} <code>${reminder.subjectId}</code></td>
<td>${accountLink(reminder.accountId, accounts.get(reminder.accountId))}</td>
<td>${day(reminder.ends)}</td>
<td class="number">${reminder.daysBefore}</td>
<td>${statusOf(reminder.status)}${reminder.lastError === null ? '' : html`<div class="hint">${reminder.attempts} attempts; last: ${reminder.lastError}</div>`}</td>
<td>${reminder.sentAt === null ? html`<span class="muted">not yet</span>` : day(reminder.sentAt)}</td>
</tr>`,
      );
    const head = ['Reminds of', 'Account', 'Ends', 'Days before', 'Status', 'Sent'];
    const body = html`<h1>Reminders</h1>
<p class="hint">Expiry reminders go out 60, 30 and 3 days before a key, subscription or gateway license ends.</p>
<h2>Due</h2>
${table({ caption: `Waiting to be sent, newest first (${REMINDERS_SHOWN} at most)`, head, numeric: [3], rows: rows(due ?? []), empty: 'No reminder is waiting.' })}
<h2>Sent</h2>
${table({ caption: `Sent, newest first (${REMINDERS_SHOWN} at most)`, head, numeric: [3], rows: rows(sent ?? []), empty: 'No reminder has been sent yet.' })}`;
    return sendPage(reply, page({ title: 'Reminders', visitor: staff, section: '/console/reminders', body }));
  });
};

const statusOf = (status: ReminderStatus): Html =>
  badge(
    status === 'pending' ? 'due' : status,
    status === 'sent' ? 'ok' : status === 'pending' ? 'warn' : 'plain',
  );
