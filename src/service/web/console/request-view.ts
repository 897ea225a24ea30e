import type { RequestType } from '../../../domain/support.js';
import { type Html, html } from '../../../html/html.js';
import type { Principal } from '../../auth/principal.js';
import type { ServiceContext } from '../../context.js';
import { findLicense } from '../../licenses/operations.js';
import { creditNoteOfRefund } from '../../orders/refunds.js';
import type { SupportRequestView } from '../../support/operations.js';
import { badge, day, type Tone } from '../parts.js';

/**
 * How a support request reads on the console and on the customer's Support pages: its kind, its
 * key by its last group, its status, and what the approved operation did, in words.
 */

export const KIND_LABELS: Record<RequestType, string> = {
  refund: 'Refund',
  split: 'Split',
  transfer: 'Transfer',
  replacement: 'Replacement',
  failover: 'Failover key',
};

/** A key named without showing it: its last group. */
export const keyNamed = (hint: string): string => `…${hint}`;

const STATUS_TONE: Record<SupportRequestView['status'], Tone> = {
  open: 'warn',
  approved: 'ok',
  declined: 'bad',
};

export const requestStatusBadge = (request: SupportRequestView): Html =>
  badge(request.status, STATUS_TONE[request.status]);

/** How long a request has waited: what the queue sorts by at a glance. */
export function age(since: string, now: Date): string {
  const hours = Math.floor((now.getTime() - new Date(since).getTime()) / 3_600_000);
  if (hours < 1) return 'under an hour';
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  return `${Math.floor(hours / 24)} days`;
}

/** The keys an outcome names, by their last group, read through the licenses' operation. */
async function keysNamed(ctx: ServiceContext, ids: readonly unknown[]): Promise<string> {
  const keys = await Promise.all(
    ids.map((id) => (typeof id === 'string' ? findLicense(ctx, id) : undefined)),
  );
  return keys.map((key) => (key === undefined ? 'a key' : keyNamed(key.key.slice(-4)))).join(', ');
}

/** A refund's credit note, for those who may read the account's invoices (staff, its owner). */
async function creditNote(ctx: ServiceContext, viewer: Principal, licenseId: string): Promise<string> {
  const note = await creditNoteOfRefund(ctx, viewer, licenseId);
  return note === undefined || note.number === null ? '' : `; credit note ${note.number}`;
}

/** What was decided, in a sentence, with staff's note when they gave one. */
export async function outcomeText(
  ctx: ServiceContext,
  viewer: Principal,
  request: SupportRequestView,
): Promise<string | undefined> {
  const done = await operationText(ctx, viewer, request);
  return request.status === 'approved' && request.decision !== null
    ? `${done} Staff wrote: ${request.decision}`
    : done;
}

/** What the decision did: "Refunded: key …WN3H revoked; credit note SK-000042". */
async function operationText(
  ctx: ServiceContext,
  viewer: Principal,
  request: SupportRequestView,
): Promise<string | undefined> {
  const key = `key ${keyNamed(request.keyHint)}`;
  if (request.status === 'open') return undefined;
  if (request.status === 'declined') return `Declined: ${request.decision ?? ''}`;
  const outcome = (request.outcome ?? {}) as Record<string, unknown>;
  switch (request.type) {
    case 'refund':
      return `Refunded: ${key} revoked${await creditNote(ctx, viewer, request.licenseId)}; the money goes back to the original method of purchase.`;
    case 'split':
      return `Split: ${key} ended; its new keys are ${await keysNamed(ctx, Array.isArray(outcome.keys) ? outcome.keys : [])}.`;
    case 'replacement':
      return `Replaced: ${key} by ${await keysNamed(ctx, [outcome.replacement])}; the old key keeps working for 7 days.`;
    case 'failover':
      return `Failover key issued for ${key}: ${await keysNamed(ctx, [request.outcome])}.`;
    case 'transfer':
      return `Transferred: ${key} moved to ${String(request.details.toAccount ?? 'the other account')}.`;
  }
}

/** What the request asks, as a list of facts. */
export function requestFacts(
  request: SupportRequestView,
  extra: readonly [string, Html | string][] = [],
): Html {
  const details = request.details;
  const facts: [string, Html | string][] = [
    ['Kind', KIND_LABELS[request.type]],
    ['Key', html`<code class="key">${keyNamed(request.keyHint)}</code>`],
    ['Status', requestStatusBadge(request)],
    ['Opened', `${day(request.createdAt)} by ${request.requesterEmail}`],
    ...extra,
    ...(Array.isArray(details.parts)
      ? [['New keys’ connections', details.parts.join(' + ')] as [string, string]]
      : []),
    ...(typeof details.toAccount === 'string' ? [['To account', details.toAccount] as [string, string]] : []),
    ...(typeof details.orderNumber === 'string'
      ? [['Order cited', details.orderNumber] as [string, string]]
      : []),
    ['Reason', html`${request.message}`],
    ...(request.decidedAt === null ? [] : [['Decided', day(request.decidedAt)] as [string, string]]),
  ];
  return html`<dl class="facts">${facts.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;
}
