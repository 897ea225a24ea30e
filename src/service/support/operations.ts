import type { OpenRequest, SupportRequest } from '../../contract/support.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { licenseKeyDigest, parseLicenseKey } from '../../domain/license-key.js';
import { checkEligibility, checkNonPrimaryRequester } from '../../domain/support.js';
import { plainText } from '../../domain/text.js';
import { accountById } from '../accounts/account-repository.js';
import { resolveAccount } from '../accounts/operations.js';
import { recordAudit } from '../audit/log.js';
import { canManageAccount, type Principal } from '../auth/principal.js';
import { userEmail } from '../auth/user-repository.js';
import type { ServiceContext } from '../context.js';
import { hasKeyInTerm, licenseOfAccount } from '../licenses/license-repository.js';
import { failoverIn, replaceIn, splitIn, transferIn } from '../licenses/lifecycle.js';
import { refundOfLicense } from '../orders/order-repository.js';
import { payOutRefund, refundKeyIn } from '../orders/refunds.js';
import type { Database } from '../store/database.js';
import type { SupportRequestRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { type RequestDetails, refusalNow } from './open-check.js';

/**
 * The ticketing system: an account opens a request about one of its keys; staff approve it (the
 * operation runs in the approval's transaction) or decline it with a reason; the requester sees
 * the outcome. Approving or declining a request twice, at once or not, decides it once.
 */
export type OpenRequestInput = OpenRequest;

export type SupportRequestView = SupportRequest;

/** A request with its key's last group, which names the key to staff without showing it. */
type RequestRecord = SupportRequestRow & { key_hint: string };

const viewOf = (row: RequestRecord): SupportRequestView => ({
  id: row.id,
  accountId: row.account_id,
  requesterEmail: row.requester_email,
  type: row.type,
  licenseId: row.license_id,
  keyHint: row.key_hint,
  message: row.message,
  details: JSON.parse(row.details) as Record<string, unknown>,
  status: row.status,
  decision: row.decision,
  decidedAt: row.decided_at === null ? null : new Date(row.decided_at).toISOString(),
  outcome: row.outcome === null ? null : JSON.parse(row.outcome),
  createdAt: new Date(row.created_at).toISOString(),
});

const REQUEST_COLUMNS = [
  'id',
  'account_id',
  'requester_id',
  'requester_email',
  'type',
  'license_id',
  'details',
  'message',
  'status',
  'decided_by',
  'decided_at',
  'decision',
  'outcome',
  'created_at',
] as const;

/** Requests with their key's last group. */
const requestsWithKeys = (db: Database) =>
  db
    .selectFrom('support_requests')
    .innerJoin('licenses', 'licenses.id', 'support_requests.license_id')
    .select(REQUEST_COLUMNS.map((column) => `support_requests.${column}` as const))
    .select('licenses.key_hint');

const requestNotFound = (id: string) => fail('request_not_found', `There is no support request ${id}.`, 'id');

const sameText = (a: string | undefined, b: string) =>
  a !== undefined && a.trim().toLowerCase() === b.toLowerCase();

/** An account's user opens a request about one of the account's keys. */
export async function openRequest(
  ctx: ServiceContext,
  requester: Extract<Principal, { kind: 'account' }>,
  input: OpenRequestInput,
): Promise<Result<SupportRequestView>> {
  const typed = checkText(input);
  if (!typed.ok) return typed;
  const now = ctx.clock.now();
  const db = ctx.store.db;
  const eligible = checkEligibility(await hasKeyInTerm(db, requester.accountId, now));
  if (!eligible.ok) return eligible;
  const license = await licenseOfAccount(db, input.licenseId, requester.accountId);
  if (license === undefined)
    return fail('license_not_found', `There is no license ${input.licenseId}.`, 'licenseId');
  const [account, requesterEmail] = await Promise.all([
    accountById(db, requester.accountId),
    userEmail(db, requester.userId),
  ]);
  if (account === undefined || requesterEmail === undefined)
    throw new Error(`the requester ${requester.userId} or its account is gone`);
  if (requester.role !== 'owner') {
    const typed = input.licenseKey === undefined ? undefined : parseLicenseKey(input.licenseKey);
    const proof = checkNonPrimaryRequester({
      licenseKey: {
        given: input.licenseKey !== undefined && input.licenseKey.trim() !== '',
        matches: typed?.ok === true && licenseKeyDigest(typed.value) === license.key_digest,
      },
      primaryHolder: {
        given: input.primaryHolder !== undefined && input.primaryHolder.trim() !== '',
        matches: sameText(input.primaryHolder, account.email) || sameText(input.primaryHolder, account.name),
      },
      orderNumber: {
        given: input.orderNumber !== undefined && input.orderNumber.trim() !== '',
        matches: license.order_number !== null && sameText(input.orderNumber, license.order_number),
      },
    });
    if (!proof.ok) return proof;
  }
  const details = detailsFor(input);
  if (!details.ok) return details;
  const refusal = await refusalNow(
    db,
    { type: input.type, licenseId: license.id, details: details.value, requesterEmail },
    now,
  );
  if (!refusal.ok) return refusal;
  const row: RequestRecord = {
    id: newId('tkt', now.getTime()),
    account_id: requester.accountId,
    requester_id: requester.userId,
    requester_email: requesterEmail,
    type: input.type,
    license_id: license.id,
    details: JSON.stringify(details.value),
    message: input.message.trim(),
    status: 'open',
    decided_by: null,
    decided_at: null,
    decision: null,
    outcome: null,
    created_at: now.getTime(),
    key_hint: license.key_hint,
  };
  await inTransaction(db, async (tx) => {
    const { key_hint: _shown, ...stored } = row;
    await tx.insertInto('support_requests').values(stored).execute();
    await recordAudit(tx, now, [
      {
        actor: requester.userId,
        accountId: row.account_id,
        entity: 'request',
        entityId: row.id,
        action: 'opened',
        after: viewOf(row),
      },
    ]);
    return ok(undefined);
  });
  return ok(viewOf(row));
}

/** What the requester typed is stored and read by staff: text, without control characters. */
function checkText(input: OpenRequestInput): Result<void> {
  const message = plainText(input.message, 'message', 'multi');
  if (!message.ok) return message;
  for (const field of ['toAccount', 'licenseKey', 'primaryHolder', 'orderNumber'] as const) {
    const value = input[field];
    const checked = value === undefined ? ok(value) : plainText(value, field);
    if (!checked.ok) return checked;
  }
  return ok(undefined);
}

function detailsFor(input: OpenRequestInput): Result<RequestDetails> {
  if (input.type === 'split') {
    if (input.parts === undefined)
      return fail('request_incomplete', 'A split names the new keys’ connections (parts).', 'parts');
    return ok({ parts: input.parts });
  }
  if (input.type === 'transfer') {
    if (input.toAccount === undefined || input.toAccount.trim() === '')
      return fail(
        'request_incomplete',
        'A transfer names the account to move the key to (toAccount).',
        'toAccount',
      );
    return ok({
      toAccount: input.toAccount.trim(),
      ...(input.orderNumber === undefined ? {} : { orderNumber: input.orderNumber }),
    });
  }
  return ok({});
}

/** Runs the request's operation in the approval's transaction; what it made is the outcome. */
async function runOperation(
  tx: Database,
  ctx: ServiceContext,
  row: SupportRequestRow,
  actor: string,
  now: Date,
): Promise<Result<unknown>> {
  // The key may have moved to another account since the request was opened.
  if ((await licenseOfAccount(tx, row.license_id, row.account_id)) === undefined)
    return fail(
      'license_not_found',
      `The key ${row.license_id} no longer belongs to the account that asked.`,
      'licenseId',
    );
  const details = JSON.parse(row.details) as RequestDetails;
  const base = { licenseId: row.license_id, actor };
  switch (row.type) {
    case 'refund': {
      const refunded = await refundKeyIn(tx, ctx, base, now);
      return refunded.ok ? ok(refunded.value.licenseId) : refunded;
    }
    case 'split':
      return splitIn(tx, ctx, { ...base, parts: details.parts ?? [] }, now);
    case 'replacement':
      return replaceIn(tx, ctx, base, now);
    case 'failover':
      return failoverIn(tx, ctx, base, now);
    case 'transfer': {
      const target = await resolveAccount(tx, details.toAccount ?? '');
      if (!target.ok) return target;
      return transferIn(
        tx,
        {
          licenseIds: [row.license_id],
          toAccountId: target.value.id,
          requesterEmail: row.requester_email,
          orderNumber: details.orderNumber,
          actor,
        },
        now,
      );
    }
  }
}

/** Takes an open request for this transaction's decision; a decided one is refused. */
async function claimOpen(tx: Database, id: string): Promise<Result<RequestRecord>> {
  const row = await requestsWithKeys(tx).where('support_requests.id', '=', id).executeTakeFirst();
  if (row === undefined) return requestNotFound(id);
  const taken = await tx
    .updateTable('support_requests')
    .set({ status: 'open' })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .returning(REQUEST_COLUMNS)
    .executeTakeFirst();
  if (taken === undefined)
    return fail('request_already_decided', `The support request ${id} was already ${row.status}.`, 'id');
  return ok({ ...taken, key_hint: row.key_hint });
}

/**
 * Decides an open request in one transaction: `settle` says how (running the operation, for an
 * approval), and the request and its audit entry record it. A refusal changes nothing.
 */
async function decide(
  ctx: ServiceContext,
  input: { id: string; actor: string },
  status: 'approved' | 'declined',
  settle: (
    tx: Database,
    row: SupportRequestRow,
    now: Date,
  ) => Promise<Result<{ decision: string | null; outcome: unknown }>>,
): Promise<Result<SupportRequestView>> {
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    const claimed = await claimOpen(tx, input.id);
    if (!claimed.ok) return claimed;
    const settled = await settle(tx, claimed.value, now);
    if (!settled.ok) return settled;
    const decided = {
      status,
      decided_by: input.actor,
      decided_at: now.getTime(),
      decision: settled.value.decision,
      outcome: settled.value.outcome === null ? null : JSON.stringify(settled.value.outcome),
    };
    await tx.updateTable('support_requests').set(decided).where('id', '=', input.id).execute();
    const after = viewOf({ ...claimed.value, ...decided });
    await recordAudit(tx, now, [
      {
        actor: input.actor,
        accountId: claimed.value.account_id,
        entity: 'request',
        entityId: input.id,
        action: status,
        before: viewOf(claimed.value),
        after,
      },
    ]);
    return ok(after);
  });
}

/**
 * Staff approve: the operation runs, and the request records it, in one transaction. An approved
 * refund then pays the money back, once that transaction has committed.
 */
export async function approveRequest(
  ctx: ServiceContext,
  input: { id: string; actor: string; note?: string | undefined },
): Promise<Result<SupportRequestView>> {
  // Staff may add a word for the requester; kept where a decline keeps its reason.
  const note = input.note?.trim() || null;
  if (note !== null) {
    const typed = plainText(note, 'note', 'multi');
    if (!typed.ok) return typed;
  }
  const approved = await decide(ctx, input, 'approved', async (tx, row, now) => {
    const outcome = await runOperation(tx, ctx, row, input.actor, now);
    return outcome.ok ? ok({ decision: note, outcome: outcome.value }) : outcome;
  });
  if (approved.ok && approved.value.type === 'refund') {
    const refund = await refundOfLicense(ctx.store.db, approved.value.licenseId);
    if (refund !== undefined) await payOutRefund(ctx, refund.id);
  }
  return approved;
}

/** Staff decline with a reason the requester reads; nothing else changes. */
export async function declineRequest(
  ctx: ServiceContext,
  input: { id: string; actor: string; reason: string },
): Promise<Result<SupportRequestView>> {
  const reason = input.reason.trim();
  const typed = plainText(reason, 'reason', 'multi');
  if (!typed.ok) return typed;
  if (reason === '')
    return fail('validation_failed', 'Say why the request is declined: the requester reads it.', 'reason');
  return decide(ctx, input, 'declined', async () => ok({ decision: reason, outcome: null }));
}

/**
 * Staff see the whole queue and an owner the account's requests; a member sees the requests they
 * opened, not the order numbers others gave in theirs.
 */
export function requestsSeenBy(principal: Principal): { accountId?: string; requesterId?: string } {
  if (principal.kind === 'staff') return {};
  if (canManageAccount(principal, principal.accountId)) return { accountId: principal.accountId };
  return { accountId: principal.accountId, requesterId: principal.userId };
}

export async function listRequests(
  ctx: ServiceContext,
  filter: {
    accountId?: string | undefined;
    requesterId?: string | undefined;
    status?: SupportRequestRow['status'] | undefined;
  },
): Promise<SupportRequestView[]> {
  let query = requestsWithKeys(ctx.store.db).orderBy('support_requests.id');
  if (filter.accountId !== undefined)
    query = query.where('support_requests.account_id', '=', filter.accountId);
  if (filter.requesterId !== undefined)
    query = query.where('support_requests.requester_id', '=', filter.requesterId);
  if (filter.status !== undefined) query = query.where('support_requests.status', '=', filter.status);
  return (await query.execute()).map(viewOf);
}

/** One request, as `principal` may see it (`requestsSeenBy`); one they may not answers as unknown. */
export async function findRequest(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
): Promise<Result<SupportRequestView>> {
  const seen = requestsSeenBy(principal);
  let query = requestsWithKeys(ctx.store.db).where('support_requests.id', '=', id);
  if (seen.accountId !== undefined) query = query.where('support_requests.account_id', '=', seen.accountId);
  if (seen.requesterId !== undefined)
    query = query.where('support_requests.requester_id', '=', seen.requesterId);
  const row = await query.executeTakeFirst();
  return row === undefined ? requestNotFound(id) : ok(viewOf(row));
}
