import { randomBytes } from 'node:crypto';
import { createAccount } from '../../src/service/accounts/operations.js';
import type { Principal } from '../../src/service/auth/principal.js';
import type { ServiceContext } from '../../src/service/context.js';
import { createDraft, type DraftInput } from '../../src/service/invoices/operations.js';
import type { InvoiceView } from '../../src/service/invoices/views.js';

/** An account and its owner and a member, as principals. */
export async function billedAccount(
  ctx: ServiceContext,
  name = 'Acme GmbH',
): Promise<{ accountId: string; owner: Principal; ownerToken: string }> {
  const created = await createAccount(ctx, {
    email: `billing-${randomBytes(4).toString('hex')}@acme.example`,
    name,
  });
  if (!created.ok) throw new Error(created.error.detail);
  const accountId = created.value.account.id;
  const owner = await ctx.store.db
    .selectFrom('users')
    .select('id')
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return {
    accountId,
    owner: { kind: 'account', userId: owner.id, accountId, role: 'owner' },
    ownerToken: created.value.ownerToken,
  };
}

/** A draft of 10 connections at 12.00 plus 19% tax, unless told otherwise. */
export async function draftFor(
  ctx: ServiceContext,
  accountId: string,
  overrides: Partial<DraftInput> = {},
): Promise<InvoiceView> {
  const drafted = await createDraft(ctx, {
    accountId,
    currency: 'EUR',
    lines: [
      { description: 'Access Server, 10 connections, 1 year', quantity: 10, unitAmount: 1200, amount: 12000 },
    ],
    subtotal: 12000,
    tax: 2280,
    total: 14280,
    actor: 'usr_staff',
    ...overrides,
  });
  if (!drafted.ok) throw new Error(drafted.error.detail);
  return drafted.value;
}
