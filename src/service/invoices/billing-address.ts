import type { BillingAddressInput } from '../../contract/invoices.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { plainText } from '../../domain/text.js';
import { hasAccount } from '../accounts/account-repository.js';
import { recordAudit } from '../audit/log.js';
import { canManageAccount, canSeeAccount, type Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import { inTransaction } from '../store/transaction.js';
import { billingAddressOf, saveBillingAddressRow } from './invoice-repository.js';
import { addressView, type BillingAddressView } from './views.js';

/**
 * Only the account's owner (and staff) read or edit its billing address; a member is refused, and
 * another account's caller is answered as if the account did not exist.
 */
export async function billingAccess(
  db: Database,
  principal: Principal,
  accountId: string,
): Promise<Result<void>> {
  const unknown = fail('account_not_found', `There is no account ${accountId}.`, 'id');
  if (!canSeeAccount(principal, accountId)) return unknown;
  if (!canManageAccount(principal, accountId))
    return fail('forbidden', 'Only the account owner sees and edits billing details and invoices.');
  return (await hasAccount(db, accountId)) ? ok(undefined) : unknown;
}

const viewOf = (
  accountId: string,
  row: Awaited<ReturnType<typeof billingAddressOf>>,
): BillingAddressView => ({
  accountId,
  billingAddress: row === undefined ? null : addressView(row),
  updatedAt: row === undefined ? null : new Date(row.updated_at).toISOString(),
});

export async function billingAddressFor(
  ctx: ServiceContext,
  principal: Principal,
  accountId: string,
): Promise<Result<BillingAddressView>> {
  const access = await billingAccess(ctx.store.db, principal, accountId);
  if (!access.ok) return access;
  return ok(viewOf(accountId, await billingAddressOf(ctx.store.db, accountId)));
}

/** One line of text, trimmed; an optional field left empty is no value. */
function cleaned(input: BillingAddressInput): Result<Record<keyof BillingAddressInput, string | null>> {
  const out: Record<string, string | null> = {};
  for (const [field, value] of Object.entries(input) as [keyof BillingAddressInput, string | null][]) {
    const text = value?.trim() ?? '';
    const typed = plainText(text, field);
    if (!typed.ok) return typed;
    out[field] = text === '' ? null : text;
  }
  for (const field of ['companyName', 'address', 'city'] as const)
    if (out[field] == null) return fail('validation_failed', `${field} must not be empty.`, field);
  return ok({
    companyName: out.companyName ?? null,
    address: out.address ?? null,
    city: out.city ?? null,
    state: out.state ?? null,
    taxInfo: out.taxInfo ?? null,
    phone: out.phone ?? null,
    website: out.website ?? null,
  });
}

/**
 * Saves the account's billing address: invoices finalized from now on show it in "Billed To";
 * the ones issued before keep what they showed.
 */
export async function saveBillingAddress(
  ctx: ServiceContext,
  principal: Principal,
  accountId: string,
  input: BillingAddressInput,
): Promise<Result<BillingAddressView>> {
  const fields = cleaned(input);
  if (!fields.ok) return fields;
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (tx) => {
    const access = await billingAccess(tx, principal, accountId);
    if (!access.ok) return access;
    const before = await billingAddressOf(tx, accountId);
    const { companyName, address, city, state, taxInfo, phone, website } = fields.value;
    const row = {
      account_id: accountId,
      company_name: companyName ?? '',
      address: address ?? '',
      city: city ?? '',
      state,
      tax_info: taxInfo,
      phone,
      website,
      updated_at: now.getTime(),
    };
    await saveBillingAddressRow(tx, row);
    const after = viewOf(accountId, row);
    await recordAudit(tx, now, [
      {
        actor: principal.userId,
        accountId,
        entity: 'billing_address',
        entityId: accountId,
        action: before === undefined ? 'created' : 'updated',
        before: before === undefined ? null : viewOf(accountId, before).billingAddress,
        after: after.billingAddress,
      },
    ]);
    return ok(after);
  });
}
