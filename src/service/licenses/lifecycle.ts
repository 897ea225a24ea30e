import type { TransferLicenses } from '../../contract/licenses.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import {
  checkFailover,
  checkRefund,
  checkRenewal,
  checkReplacement,
  checkSplit,
  checkTransferAuthority,
  failoverFollows,
  type KeyFacts,
  REPLACEMENT_OVERLAP_DAYS,
  renewedTerm,
} from '../../domain/key-lifecycle.js';
import { addDays } from '../../domain/terms.js';
import { accountById, hasAccount } from '../accounts/account-repository.js';
import { type AuditRecord, recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import { moveKeyReminders } from '../reminders/reminder-repository.js';
import type { Database } from '../store/database.js';
import type { LicenseRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { refuseConflict } from '../store/unique.js';
import { type KeyLoader, type KnownKey, lockKey } from './key-facts.js';
import {
  failoverKeyOf,
  insertLicenses,
  type LicenseChange,
  moveLicenses,
  updateFailoverOf,
  updateLicense,
} from './license-repository.js';
import { auditedKey, findLicense, type LicenseView, newKeyRow } from './operations.js';

/**
 * What happens to a fixed key after it is bought: renewal, refund and split. Each runs in one
 * transaction that first takes the key's row, so rival changes to one key (and its activation)
 * run one after another: of a split and a refund at once, exactly one wins.
 */

/** Changes the key, and its failover key alike (revoked, renewed or moved with it). */
async function changeKey(tx: Database, id: string, changed: LicenseChange): Promise<void> {
  await updateLicense(tx, id, changed);
  await updateFailoverOf(tx, id, changed);
}

type AuditedKey = Parameters<typeof auditedKey>[0];

/** The audit entry of `key` as a change left it: `from` is what it was (none for a new key), `also` what the change made. */
const keyEntry = (
  actor: string,
  key: AuditedKey & { id: string },
  action: string,
  change: { from?: AuditedKey; also?: Record<string, unknown> } = {},
): AuditRecord => ({
  actor,
  accountId: key.account_id,
  entity: 'license',
  entityId: key.id,
  action,
  ...(change.from === undefined ? {} : { before: auditedKey(change.from) }),
  after: { ...auditedKey(key), ...change.also },
});

/** Takes the key's row and checks `rule` against it: how every change to one key begins. */
async function lockFor(
  tx: Database,
  licenseId: string,
  rule: (facts: KeyFacts) => Result<void>,
): Promise<Result<KnownKey>> {
  const locked = await lockKey(tx, licenseId);
  if (!locked.ok) return locked;
  const allowed = rule(locked.value.facts);
  return allowed.ok ? locked : allowed;
}

/** A key just changed, as its owner sees it now. */
async function viewOf(ctx: ServiceContext, id: string): Promise<LicenseView> {
  const view = await findLicense(ctx, id);
  if (view === undefined) throw new Error(`changed ${id} but cannot read it back`);
  return view;
}

/**
 * How every public change ends: `change` runs in one transaction (a refusal leaves nothing
 * written), then `show` turns the ids it names into the keys as they are now.
 */
async function changeKeys<Changed, Shown>(
  ctx: ServiceContext,
  change: (tx: Database, now: Date) => Promise<Result<Changed>>,
  show: (changed: Changed, view: (id: string) => Promise<LicenseView>) => Promise<Shown>,
): Promise<Result<Shown>> {
  const now = ctx.clock.now();
  const changed = await inTransaction(ctx.store.db, (tx) => change(tx, now));
  return changed.ok ? ok(await show(changed.value, (id) => viewOf(ctx, id))) : changed;
}

const allOf = (ids: readonly string[], view: (id: string) => Promise<LicenseView>) =>
  Promise.all(ids.map(view));

/**
 * Renews keys for `years` more, all or none. Ahead of the end the years are added after the
 * current term; an expired key's new term starts now, and its seats count again from now. A
 * failover key goes along with its original, and is refused alone.
 */
export async function renewLicenses(
  ctx: ServiceContext,
  input: { licenseIds: readonly string[]; years: number; actor: string },
): Promise<Result<LicenseView[]>> {
  const ids = [...new Set(input.licenseIds)].sort();
  if (ids.length === 0) return fail('validation_failed', 'Name at least one key to renew.', 'licenseIds');
  return changeKeys(ctx, (tx, now) => renewIn(tx, { ...input, licenseIds: ids }, now), allOf);
}

export async function renewIn(
  tx: Database,
  input: { licenseIds: readonly string[]; years: number; actor: string },
  now: Date,
): Promise<Result<readonly string[]>> {
  const ids = input.licenseIds;
  for (const id of ids) {
    const locked = await lockKey(tx, id);
    if (!locked.ok) return locked;
    const { row, facts } = locked.value;
    // Named with its original, a failover key is renewed once, as its original's follower.
    if (row.failover_of !== null && ids.includes(row.failover_of)) continue;
    const allowed = checkRenewal(facts, input.years);
    if (!allowed.ok) return allowed;
    const { term, termYears } = renewedTerm(facts, input.years, now);
    const changed = { starts_at: term.starts.getTime(), ends_at: term.ends.getTime(), term_years: termYears };
    await changeKey(tx, id, changed);
    const action = facts.term.ends.getTime() > now.getTime() ? 'renewed' : 'renewed_after_expiry';
    await recordAudit(tx, now, [keyEntry(input.actor, { ...row, ...changed }, action, { from: row })]);
  }
  return ok(ids);
}

/**
 * Splits a key never activated into keys whose connections add up to its own, with its term;
 * the original is retired. Returns the new keys.
 */
export const splitLicense = (
  ctx: ServiceContext,
  input: { licenseId: string; parts: readonly number[]; actor: string },
) =>
  changeKeys(
    ctx,
    (tx, now) => splitIn(tx, ctx, input, now),
    async (split, view) => ({ original: await view(split.original), keys: await allOf(split.keys, view) }),
  );

/** A new key like `row` (its account, connections, term, order and terms of use), linked to it. */
function successorOf(
  ctx: ServiceContext,
  now: Date,
  row: LicenseRow,
  link: { parentId?: string; failoverOf?: string },
) {
  return newKeyRow(ctx, now, {
    accountId: row.account_id,
    seats: row.seats,
    termYears: row.term_years,
    purchasedAt: new Date(row.purchased_at),
    term: { starts: new Date(row.starts_at), ends: new Date(row.ends_at) },
    orderNumber: row.order_number,
    legacy: row.legacy === 1,
    ...link,
  }).row;
}

/**
 * The license replacement program, for a changed machine: within the key's support term a new
 * key is issued, and the old one keeps working on its machine for 7 more days, then stops. Its
 * certificates never outlive that week, and it can no longer be activated anywhere.
 */
export const replaceLicense = (ctx: ServiceContext, input: { licenseId: string; actor: string }) =>
  changeKeys(
    ctx,
    (tx, now) => replaceIn(tx, ctx, input, now),
    async (replaced, view) => ({
      original: await view(replaced.original),
      replacement: await view(replaced.replacement),
    }),
  );

/**
 * A failover key for an integrated standby server: free, one per key, with the key's connections
 * and term. It activates only as a failover key, on the standby's machine.
 */
export const issueFailoverKey = (ctx: ServiceContext, input: { licenseId: string; actor: string }) =>
  changeKeys(
    ctx,
    (tx, now) => failoverIn(tx, ctx, input, now),
    (id, view) => view(id),
  );

const failoverExists = (licenseId: string, failoverId?: string) =>
  fail(
    'failover_key_exists',
    `The key ${licenseId} already has its failover key${failoverId === undefined ? '' : ` (${failoverId})`}: one failover key is given per key.`,
    'licenseId',
  );

/** One failover key per key: refused when the key has one already. */
export async function checkNoFailoverKey(db: Database, licenseId: string): Promise<Result<void>> {
  const existing = await failoverKeyOf(db, licenseId);
  return existing === undefined ? ok(undefined) : failoverExists(licenseId, existing);
}

export type TransferInput = TransferLicenses & { actor: string };

/**
 * Moves keys to another account (a new admin account, or the company that acquired the owner),
 * with their activations and terms: the old account no longer sees them. Asked by the keys'
 * registered admin email or one of its domain, or by anyone citing the order of those keys.
 */
export const transferLicenses = (ctx: ServiceContext, input: TransferInput) =>
  changeKeys(ctx, (tx, now) => transferIn(tx, input, now), allOf);

/** `refundLicense` inside a transaction of the caller's (a support request's approval). */
export async function refundIn(tx: Database, input: { licenseId: string; actor: string }, now: Date) {
  const locked = await lockFor(tx, input.licenseId, (facts) => checkRefund(facts, now));
  if (!locked.ok) return locked;
  const { row } = locked.value;
  const changed = { revoked_at: now.getTime(), ended_reason: 'refunded' as const };
  await changeKey(tx, row.id, changed);
  await recordAudit(tx, now, [keyEntry(input.actor, { ...row, ...changed }, 'refunded', { from: row })]);
  return ok(row.id);
}

/** `splitLicense` inside a transaction of the caller's (a support request's approval). */
export async function splitIn(
  tx: Database,
  ctx: ServiceContext,
  input: { licenseId: string; parts: readonly number[]; actor: string },
  now: Date,
) {
  const locked = await lockFor(tx, input.licenseId, (facts) => checkSplit(facts, input.parts));
  if (!locked.ok) return locked;
  const { row } = locked.value;
  const changed = { revoked_at: now.getTime(), ended_reason: 'split' as const };
  await changeKey(tx, row.id, changed);
  const parts = input.parts.map((seats) => successorOf(ctx, now, { ...row, seats }, { parentId: row.id }));
  await insertLicenses(tx, parts);
  await recordAudit(tx, now, [
    keyEntry(input.actor, { ...row, ...changed }, 'split', {
      from: row,
      also: { into: parts.map((part) => part.id) },
    }),
    ...parts.map((part) => keyEntry(input.actor, part, 'split_from')),
  ]);
  return ok({ original: row.id, keys: parts.map((part) => part.id) });
}

/** `replaceLicense` inside a transaction of the caller's (a support request's approval). */
export async function replaceIn(
  tx: Database,
  ctx: ServiceContext,
  input: { licenseId: string; actor: string },
  now: Date,
) {
  const locked = await lockFor(tx, input.licenseId, (facts) => checkReplacement(facts, now));
  if (!locked.ok) return locked;
  const { row } = locked.value;
  const changed = {
    revoked_at: addDays(now, REPLACEMENT_OVERLAP_DAYS).getTime(),
    ended_reason: 'replaced' as const,
  };
  await changeKey(tx, row.id, changed);
  const replacement = successorOf(ctx, now, row, { parentId: row.id });
  await insertLicenses(tx, replacement);
  await recordAudit(tx, now, [
    keyEntry(input.actor, { ...row, ...changed }, 'replaced', {
      from: row,
      also: { replacement: replacement.id },
    }),
    keyEntry(input.actor, replacement, 'issued_as_replacement'),
  ]);
  return ok({ original: row.id, replacement: replacement.id });
}

/** `issueFailoverKey` inside a transaction of the caller's (a support request's approval). */
export async function failoverIn(
  tx: Database,
  ctx: ServiceContext,
  input: { licenseId: string; actor: string },
  now: Date,
) {
  const locked = await lockFor(tx, input.licenseId, (facts) => checkFailover(facts));
  if (!locked.ok) return locked;
  const { row } = locked.value;
  const none = await checkNoFailoverKey(tx, row.id);
  if (!none.ok) return none;
  const failover = successorOf(ctx, now, row, { failoverOf: row.id });
  // Two requests at once: the unique failover_of lets one in.
  const inserted = await refuseConflict(
    async () => ok(await insertLicenses(tx, failover)),
    () => failoverExists(row.id),
    'licenses.failover_of',
  );
  if (!inserted.ok) return inserted;
  await recordAudit(tx, now, [keyEntry(input.actor, failover, 'issued_as_failover')]);
  return ok(failover.id);
}

/**
 * Whether `input` may move its keys, each loaded by `load`: the rules a transfer checks before it
 * writes anything. Returns the keys' rows and the account they leave.
 */
export async function checkTransfer(
  db: Database,
  input: TransferLicenses,
  load: KeyLoader,
): Promise<Result<{ ids: string[]; rows: LicenseRow[]; from: string }>> {
  const ids = [...new Set(input.licenseIds)].sort();
  if (ids.length === 0) return fail('validation_failed', 'Name at least one key to transfer.', 'licenseIds');
  if (!(await hasAccount(db, input.toAccountId)))
    return fail('account_not_found', `There is no account ${input.toAccountId}.`, 'toAccountId');
  const rows: LicenseRow[] = [];
  for (const id of ids) {
    const loaded = await load(db, id);
    if (!loaded.ok) return loaded;
    if (loaded.value.facts.failover) return failoverFollows();
    if (loaded.value.facts.ended)
      return fail(
        'license_revoked',
        `The key ${id} is revoked, split or replaced: there is nothing to transfer.`,
        'licenseIds',
      );
    rows.push(loaded.value.row);
  }
  const owners = new Set(rows.map((row) => row.account_id));
  const [from] = owners;
  if (owners.size !== 1 || from === undefined)
    return fail('validation_failed', 'Transfer the keys of one account at a time.', 'licenseIds');
  if (from === input.toAccountId)
    return fail('validation_failed', 'These keys already belong to that account.', 'toAccountId');
  const owner = await accountById(db, from);
  if (owner === undefined) throw new Error(`the keys' account ${from} is gone`);
  const authority = checkTransferAuthority({
    ownerEmail: owner.email,
    requesterEmail: input.requesterEmail,
    citedOrder: input.orderNumber,
    keyOrders: rows.map((row) => row.order_number ?? ''),
  });
  return authority.ok ? ok({ ids, rows, from }) : authority;
}

/** `transferLicenses` inside a transaction of the caller's (a support request's approval). */
export async function transferIn(tx: Database, input: TransferInput, now: Date): Promise<Result<string[]>> {
  const checked = await checkTransfer(tx, input, lockKey);
  if (!checked.ok) return checked;
  const { ids, rows, from } = checked.value;
  // Failover keys go with the keys they stand in for.
  await moveLicenses(tx, ids, input.toAccountId);
  // So do the keys' expiry reminders: the new account reads them, and gets those still to come.
  await moveKeyReminders(tx, ids, input.toAccountId);
  await recordAudit(
    tx,
    now,
    rows.flatMap((row) => {
      const change = {
        actor: input.actor,
        entity: 'license' as const,
        entityId: row.id,
        before: auditedKey(row),
        after: {
          ...auditedKey({ ...row, account_id: input.toAccountId }),
          requestedBy: input.requesterEmail,
        },
      };
      // Each side keeps its record of the move; only the new account sees the key from now on.
      return [
        { ...change, accountId: from, action: 'transferred_out' },
        { ...change, accountId: input.toAccountId, action: 'transferred_in' },
      ];
    }),
  );
  return ok(ids);
}
