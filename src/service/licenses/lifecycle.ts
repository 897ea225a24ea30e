import { fail, ok, type Result } from '../../domain/errors.js';
import {
  checkRefund,
  checkRenewal,
  checkSplit,
  type KeyFacts,
  renewedTerm,
} from '../../domain/key-lifecycle.js';
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
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
  const activation = await tx
    .selectFrom('activations')
    .select('id')
    .where('license_id', '=', licenseId)
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
    },
  });
}

async function viewsOf(ctx: ServiceContext, ids: readonly string[]): Promise<LicenseView[]> {
  const views = await Promise.all(ids.map((id) => findLicense(ctx, id)));
  return views.filter((view): view is LicenseView => view !== undefined);
}

/**
 * Renews keys for `years` more, all or none. Ahead of the end the years are added after the
 * current term; an expired key's new term starts now, and its seats count again from now.
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
      const allowed = checkRenewal(facts, input.years);
      if (!allowed.ok) return allowed;
      const { term, termYears } = renewedTerm(facts, input.years, now);
      const changed = {
        starts_at: term.starts.getTime(),
        ends_at: term.ends.getTime(),
        term_years: termYears,
      };
      await tx.updateTable('licenses').set(changed).where('id', '=', id).execute();
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
  const refunded = await inTransaction(ctx.store.db, async (tx) => {
    const locked = await lockKey(tx, input.licenseId);
    if (!locked.ok) return locked;
    const { row, facts } = locked.value;
    const allowed = checkRefund(facts, now);
    if (!allowed.ok) return allowed;
    const changed = { revoked_at: now.getTime(), ended_reason: 'refunded' as const };
    await tx.updateTable('licenses').set(changed).where('id', '=', row.id).execute();
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
  });
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
  const split = await inTransaction(ctx.store.db, async (tx) => {
    const locked = await lockKey(tx, input.licenseId);
    if (!locked.ok) return locked;
    const { row, facts } = locked.value;
    const allowed = checkSplit(facts, input.parts);
    if (!allowed.ok) return allowed;
    const changed = { revoked_at: now.getTime(), ended_reason: 'split' as const };
    await tx.updateTable('licenses').set(changed).where('id', '=', row.id).execute();
    const parts = input.parts.map(
      (seats) =>
        newKeyRow(ctx, now, {
          accountId: row.account_id,
          seats,
          termYears: row.term_years,
          purchasedAt: facts.purchasedAt,
          term: facts.term,
          parentId: row.id,
        }).row,
    );
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
  });
  if (!split.ok) return split;
  const [original] = await viewsOf(ctx, [split.value.original]);
  if (original === undefined) throw new Error(`split ${input.licenseId} but cannot read it back`);
  return ok({ original, keys: await viewsOf(ctx, split.value.keys) });
}
