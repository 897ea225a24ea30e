import { type BillingAddressInput, COUNTRY_PATTERN } from '../../contract/invoices.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { plainText } from '../../domain/text.js';
import { hasAccount } from '../accounts/account-repository.js';
import { recordAudit } from '../audit/log.js';
import { canManageAccount, canSeeAccount, type Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import type { BillingAddressesTable } from '../store/schema.js';
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
  /** The request field that names the account. */
  field = 'id',
): Promise<Result<void>> {
  const unknown = fail('account_not_found', `There is no account ${accountId}.`, field);
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

const COUNTRY = new RegExp(COUNTRY_PATTERN);

type AddressFields = Omit<BillingAddressesTable, 'account_id' | 'updated_at'>;

/** Each field one line of text, trimmed; an optional one left empty is no value, a required one is refused. */
function cleaned(input: BillingAddressInput): Result<AddressFields> {
  const text = (value: string | null | undefined, field: string): Result<string | null> => {
    const trimmed = value?.trim() ?? '';
    const typed = plainText(trimmed, field);
    return typed.ok ? ok(trimmed === '' ? null : trimmed) : typed;
  };
  const required = (value: string, field: string): Result<string> => {
    const typed = text(value, field);
    if (!typed.ok) return typed;
    return typed.value === null
      ? fail('validation_failed', `${field} must not be empty.`, field)
      : ok(typed.value);
  };
  const companyName = required(input.companyName, 'companyName');
  if (!companyName.ok) return companyName;
  const address = required(input.address, 'address');
  if (!address.ok) return address;
  const city = required(input.city, 'city');
  if (!city.ok) return city;
  const state = text(input.state, 'state');
  if (!state.ok) return state;
  const taxInfo = text(input.taxInfo, 'taxInfo');
  if (!taxInfo.ok) return taxInfo;
  const phone = text(input.phone, 'phone');
  if (!phone.ok) return phone;
  const website = text(input.website, 'website');
  if (!website.ok) return website;
  const country = input.country?.trim() || null;
  if (country !== null && !COUNTRY.test(country))
    return fail(
      'validation_failed',
      'country must be a two-letter ISO 3166 code in capitals, such as DE.',
      'country',
    );
  return ok({
    company_name: companyName.value,
    address: address.value,
    city: city.value,
    state: state.value,
    tax_info: taxInfo.value,
    phone: phone.value,
    website: website.value,
    country,
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
    const row = { account_id: accountId, ...fields.value, updated_at: now.getTime() };
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
