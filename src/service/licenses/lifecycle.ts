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
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import { type Database, isUniqueViolation } from '../store/database.js';
import type { LicenseRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { auditedKey, findLicense, type LicenseView, newKeyRow } from './operations.js';

/**
 * What happens to a fixed key after it is bought: renewal, refund and split. Each runs in one
 * transaction that first takes the key's row, so rival changes to one key (and its activation)
 * run one after another: of a split and a refund at once, exactly one wins.
 */

/** Takes the key's row for this transaction, with what the rules need to know of it. */
async function lockKey(
  tx: Database,
  licenseId: string,
): Promise<Result<{ row: LicenseRow; facts: KeyFacts }>> {
  const row = await tx
    .updateTable('licenses')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', licenseId)
    .returningAll()
    .executeTakeFirst();
  if (row === undefined) return fail('license_not_found', `There is no license ${licenseId}.`, 'licenseId');
  // A key counts as used when it or its failover key is activated.
  const activation = await tx
    .selectFrom('activations')
    .select('activations.id')
    .leftJoin('licenses', 'licenses.id', 'activations.license_id')
    .where((eb) =>
      eb.or([eb('activations.license_id', '=', licenseId), eb('licenses.failover_of', '=', licenseId)]),
    )
    .executeTakeFirst();
  return ok({
    row,
    facts: {
      seats: row.seats,
      purchasedAt: new Date(row.purchased_at),
      term: { starts: new Date(row.starts_at), ends: new Date(row.ends_at) },
      termYears: row.term_years,
      activated: activation !== undefined,
      ended: row.revoked_at !== null,
      failover: row.failover_of !== null,
    },
  });
}

/** What happens to a key happens to its failover key: revoked, renewed or moved alike. */
async function failoverFollow(
  tx: Database,
  originalId: string,
  changed: Partial<Pick<LicenseRow, 'revoked_at' | 'ended_reason' | 'starts_at' | 'ends_at' | 'term_years'>>,
): Promise<void> {
  await tx
    .updateTable('licenses')
    .set(changed)
    .where('failover_of', '=', originalId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Takes the key's row and checks `rule` against it: how every change to one key begins. */
async function lockFor(
  tx: Database,
  licenseId: string,
  rule: (facts: KeyFacts) => Result<void>,
): Promise<Result<{ row: LicenseRow; facts: KeyFacts }>> {
  const locked = await lockKey(tx, licenseId);
  if (!locked.ok) return locked;
  const allowed = rule(locked.value.facts);
  return allowed.ok ? locked : allowed;
}

async function viewsOf(ctx: ServiceContext, ids: readonly string[]): Promise<LicenseView[]> {
  const views = await Promise.all(ids.map((id) => findLicense(ctx, id)));
  return views.filter((view): view is LicenseView => view !== undefined);
}

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
  const now = ctx.clock.now();
  const renewed = await inTransaction(ctx.store.db, async (tx) => {
    for (const id of ids) {
      const locked = await lockKey(tx, id);
      if (!locked.ok) return locked;
      const { row, facts } = locked.value;
      // Named with its original, a failover key is renewed once, as its original's follower.
      if (row.failover_of !== null && ids.includes(row.failover_of)) continue;
      const allowed = checkRenewal(facts, input.years);
      if (!allowed.ok) return allowed;
      const { term, termYears } = renewedTerm(facts, input.years, now);
      const changed = {
        starts_at: term.starts.getTime(),
        ends_at: term.ends.getTime(),
        term_years: termYears,
      };
      await tx.updateTable('licenses').set(changed).where('id', '=', id).execute();
      await failoverFollow(tx, id, changed);
      await recordAudit(tx, now, [
        {
          actor: input.actor,
          accountId: row.account_id,
          entity: 'license',
          entityId: id,
          action: facts.term.ends.getTime() > now.getTime() ? 'renewed' : 'renewed_after_expiry',
          before: auditedKey(row),
          after: auditedKey({ ...row, ...changed }),
        },
      ]);
    }
    return ok(ids);
  });
  return renewed.ok ? ok(await viewsOf(ctx, renewed.value)) : renewed;
}

/** Refunds a key never activated, within 30 days of its purchase: it is revoked for good. */
export async function refundLicense(
  ctx: ServiceContext,
  input: { licenseId: string; actor: string },
): Promise<Result<LicenseView>> {
  const now = ctx.clock.now();
  const refunded = await inTransaction(ctx.store.db, (tx) => refundIn(tx, input, now));
  if (!refunded.ok) return refunded;
  const [view] = await viewsOf(ctx, [refunded.value]);
  return view === undefined ? fail('license_not_found', `There is no license ${input.licenseId}.`) : ok(view);
}

/**
 * Splits a key never activated into keys whose connections add up to its own, with its term;
 * the original is retired. Returns the new keys.
 */
export async function splitLicense(
  ctx: ServiceContext,
  input: { licenseId: string; parts: readonly number[]; actor: string },
): Promise<Result<{ original: LicenseView; keys: LicenseView[] }>> {
  const now = ctx.clock.now();
  const split = await inTransaction(ctx.store.db, (tx) => splitIn(tx, ctx, input, now));
  if (!split.ok) return split;
  const [original] = await viewsOf(ctx, [split.value.original]);
  if (original === undefined) throw new Error(`split ${input.licenseId} but cannot read it back`);
  return ok({ original, keys: await viewsOf(ctx, split.value.keys) });
}

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
export async function replaceLicense(
  ctx: ServiceContext,
  input: { licenseId: string; actor: string },
): Promise<Result<{ original: LicenseView; replacement: LicenseView }>> {
  const now = ctx.clock.now();
  const replaced = await inTransaction(ctx.store.db, (tx) => replaceIn(tx, ctx, input, now));
  if (!replaced.ok) return replaced;
  const [original, replacement] = await viewsOf(ctx, [replaced.value.original, replaced.value.replacement]);
  if (original === undefined || replacement === undefined)
    throw new Error(`replaced ${input.licenseId} but cannot read the keys back`);
  return ok({ original, replacement });
}

/**
 * A failover key for an integrated standby server: free, one per key, with the key's connections
 * and term. It activates only as a failover key, on the standby's machine.
 */
export async function issueFailoverKey(
  ctx: ServiceContext,
  input: { licenseId: string; actor: string },
): Promise<Result<LicenseView>> {
  const now = ctx.clock.now();
  const issued = await inTransaction(ctx.store.db, (tx) => failoverIn(tx, ctx, input, now)).catch(
    (error: unknown) => {
      // Two requests at once: the unique failover_of lets one in.
      if (isUniqueViolation(error)) return failoverExists(input.licenseId);
      throw error;
    },
  );
  if (!issued.ok) return issued;
  const [view] = await viewsOf(ctx, [issued.value]);
  if (view === undefined) throw new Error(`issued ${issued.value} but cannot read it back`);
  return ok(view);
}

const failoverExists = (licenseId: string, failoverId?: string) =>
  fail(
    'failover_key_exists',
    `The key ${licenseId} already has its failover key${failoverId === undefined ? '' : ` (${failoverId})`}: one failover key is given per key.`,
    'licenseId',
  );

export type TransferInput = TransferLicenses & { actor: string };

/**
 * Moves keys to another account (a new admin account, or the company that acquired the owner),
 * with their activations and terms: the old account no longer sees them. Asked by the keys'
 * registered admin email or one of its domain, or by anyone citing the order of those keys.
 */
export async function transferLicenses(
  ctx: ServiceContext,
  input: TransferInput,
): Promise<Result<LicenseView[]>> {
  const now = ctx.clock.now();
  const moved = await inTransaction(ctx.store.db, (tx) => transferIn(tx, input, now));
  return moved.ok ? ok(await viewsOf(ctx, moved.value)) : moved;
}

/** `refundLicense` inside a transaction of the caller's (a support request's approval). */
export async function refundIn(tx: Database, input: { licenseId: string; actor: string }, now: Date) {
  const locked = await lockFor(tx, input.licenseId, (facts) => checkRefund(facts, now));
  if (!locked.ok) return locked;
  const { row } = locked.value;
  const changed = { revoked_at: now.getTime(), ended_reason: 'refunded' as const };
  await tx.updateTable('licenses').set(changed).where('id', '=', row.id).execute();
  await failoverFollow(tx, row.id, changed);
  await recordAudit(tx, now, [
    {
      actor: input.actor,
      accountId: row.account_id,
      entity: 'license',
      entityId: row.id,
      action: 'refunded',
      before: auditedKey(row),
      after: auditedKey({ ...row, ...changed }),
    },
  ]);
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
  await tx.updateTable('licenses').set(changed).where('id', '=', row.id).execute();
  await failoverFollow(tx, row.id, changed);
  const parts = input.parts.map((seats) => successorOf(ctx, now, { ...row, seats }, { parentId: row.id }));
  await tx.insertInto('licenses').values(parts).execute();
  await recordAudit(tx, now, [
    {
      actor: input.actor,
      accountId: row.account_id,
      entity: 'license',
      entityId: row.id,
      action: 'split',
      before: auditedKey(row),
      after: { ...auditedKey({ ...row, ...changed }), into: parts.map((part) => part.id) },
    },
    ...parts.map((part) => ({
      actor: input.actor,
      accountId: part.account_id,
      entity: 'license' as const,
      entityId: part.id,
      action: 'split_from',
      after: auditedKey(part),
    })),
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
  await tx.updateTable('licenses').set(changed).where('id', '=', row.id).execute();
  await failoverFollow(tx, row.id, changed);
  const replacement = successorOf(ctx, now, row, { parentId: row.id });
  await tx.insertInto('licenses').values(replacement).execute();
  await recordAudit(tx, now, [
    {
      actor: input.actor,
      accountId: row.account_id,
      entity: 'license',
      entityId: row.id,
      action: 'replaced',
      before: auditedKey(row),
      after: { ...auditedKey({ ...row, ...changed }), replacement: replacement.id },
    },
    {
      actor: input.actor,
      accountId: row.account_id,
      entity: 'license',
      entityId: replacement.id,
      action: 'issued_as_replacement',
      after: auditedKey(replacement),
    },
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
  const existing = await tx
    .selectFrom('licenses')
    .select('id')
    .where('failover_of', '=', row.id)
    .executeTakeFirst();
  if (existing !== undefined) return failoverExists(row.id, existing.id);
  const failover = successorOf(ctx, now, row, { failoverOf: row.id });
  await tx.insertInto('licenses').values(failover).execute();
  await recordAudit(tx, now, [
    {
      actor: input.actor,
      accountId: row.account_id,
      entity: 'license',
      entityId: failover.id,
      action: 'issued_as_failover',
      after: auditedKey(failover),
    },
  ]);
  return ok(failover.id);
}

/** `transferLicenses` inside a transaction of the caller's (a support request's approval). */
export async function transferIn(tx: Database, input: TransferInput, now: Date): Promise<Result<string[]>> {
  const ids = [...new Set(input.licenseIds)].sort();
  if (ids.length === 0) return fail('validation_failed', 'Name at least one key to transfer.', 'licenseIds');
  const target = await tx
    .selectFrom('accounts')
    .select('id')
    .where('id', '=', input.toAccountId)
    .executeTakeFirst();
  if (target === undefined)
    return fail('account_not_found', `There is no account ${input.toAccountId}.`, 'toAccountId');
  const rows: LicenseRow[] = [];
  for (const id of ids) {
    const locked = await lockKey(tx, id);
    if (!locked.ok) return locked;
    if (locked.value.facts.failover) return failoverFollows();
    if (locked.value.facts.ended)
      return fail(
        'license_revoked',
        `The key ${id} is revoked, split or replaced: there is nothing to transfer.`,
        'licenseIds',
      );
    rows.push(locked.value.row);
  }
  const owners = new Set(rows.map((row) => row.account_id));
  const [from] = owners;
  if (owners.size !== 1 || from === undefined)
    return fail('validation_failed', 'Transfer the keys of one account at a time.', 'licenseIds');
  if (from === input.toAccountId)
    return fail('validation_failed', 'These keys already belong to that account.', 'toAccountId');
  const owner = await tx
    .selectFrom('accounts')
    .select('email')
    .where('id', '=', from)
    .executeTakeFirstOrThrow();
  const authority = checkTransferAuthority({
    ownerEmail: owner.email,
    requesterEmail: input.requesterEmail,
    citedOrder: input.orderNumber,
    keyOrders: rows.map((row) => row.order_number ?? ''),
  });
  if (!authority.ok) return authority;
  await tx.updateTable('licenses').set({ account_id: input.toAccountId }).where('id', 'in', ids).execute();
  // Failover keys go with the keys they stand in for.
  await tx
    .updateTable('licenses')
    .set({ account_id: input.toAccountId })
    .where('failover_of', 'in', ids)
    .execute();
  // So do the keys' expiry reminders: the new account reads them, and gets those still to come.
  await tx
    .updateTable('reminders')
    .set({ account_id: input.toAccountId })
    .where('subject', '=', 'license')
    .where('subject_id', 'in', ids)
    .execute();
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
