import type { Account } from '../../contract/accounts.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { plainText } from '../../domain/text.js';
import { recordAudit } from '../audit/log.js';
import { issuePasswordLink, type PasswordLink } from '../auth/password-links.js';
import { canManageAccount, canSeeAccount, type Principal } from '../auth/principal.js';
import { addUser, type NewUser } from '../auth/tokens.js';
import { accountUser, accountUsers, deleteUser } from '../auth/user-repository.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import type { AccountRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { refuseConflict } from '../store/unique.js';
import { accountByEmail, accountById, allAccounts, hasAccount, insertAccount } from './account-repository.js';

export type AccountView = Account;

export const accountView = (row: AccountRow): AccountView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: new Date(row.created_at).toISOString(),
});

/**
 * An account has exactly one registered admin email, unique across accounts and never edited;
 * its owner gets the first API token.
 */
export async function createAccount(
  ctx: ServiceContext,
  input: { email: string; name?: string | undefined; actor?: string | undefined },
): Promise<Result<{ account: AccountView; ownerToken: string }>> {
  if (input.name !== undefined) {
    const name = plainText(input.name, 'name');
    if (!name.ok) return name;
  }
  const now = ctx.clock.now();
  const row: AccountRow = {
    id: newId('acc', now.getTime()),
    email: input.email,
    name: input.name?.trim() || input.email,
    created_at: now.getTime(),
  };
  const created = await refuseConflict(
    () =>
      inTransaction(ctx.store.db, async (tx) => {
        await insertAccount(tx, row);
        const owner = await addUser(tx, { accountId: row.id, email: row.email, role: 'owner' }, now);
        await recordAudit(tx, now, [
          {
            actor: input.actor ?? 'operator',
            accountId: row.id,
            entity: 'account',
            entityId: row.id,
            action: 'created',
            after: { email: row.email, name: row.name, owner: owner.userId, ownerTokenId: owner.tokenId },
          },
        ]);
        return ok(owner.token);
      }),
    () => fail('email_taken', `An account with the registered email ${input.email} already exists.`, 'email'),
    'accounts.email',
  );
  return created.ok ? ok({ account: accountView(row), ownerToken: created.value }) : created;
}

/** That the account exists: what every operation that gives an account something checks first. */
export async function accountExists(ctx: ServiceContext, accountId: string): Promise<Result<void>> {
  return (await hasAccount(ctx.store.db, accountId))
    ? ok(undefined)
    : fail('account_not_found', `There is no account ${accountId}.`, 'accountId');
}

export async function findAccount(ctx: ServiceContext, id: string): Promise<AccountView | undefined> {
  const row = await accountById(ctx.store.db, id);
  return row === undefined ? undefined : accountView(row);
}

/** An account by its id (`acc_...`) or its registered admin email, as a person would name it. */
export async function resolveAccount(
  store: ServiceContext | Database,
  reference: string,
): Promise<Result<AccountView>> {
  // Inside a transaction, through it: a second connection would wait for the transaction's own lock.
  const db = 'store' in store ? store.store.db : store;
  const row = reference.startsWith('acc_')
    ? await accountById(db, reference)
    : await accountByEmail(db, reference.trim().toLowerCase());
  return row === undefined
    ? fail('account_not_found', `There is no account ${reference}.`, 'account')
    : ok(accountView(row));
}

export async function listAccounts(ctx: ServiceContext): Promise<AccountView[]> {
  return (await allAccounts(ctx.store.db)).map(accountView);
}

/** A member of an account: sees the account's licenses, gets a token of their own. */
export async function addMember(
  ctx: ServiceContext,
  accountId: string,
  email: string,
  actor = 'operator',
  /** An invitation link made with the member, in the same transaction: never one without the other. */
  options: { invite?: boolean } = {},
): Promise<Result<NewUser & { invitation?: PasswordLink }>> {
  if ((await findAccount(ctx, accountId)) === undefined) {
    return fail('account_not_found', `There is no account ${accountId}.`, 'accountId');
  }
  const now = ctx.clock.now();
  return refuseConflict(
    () =>
      inTransaction(ctx.store.db, async (tx) => {
        const added = await addUser(tx, { accountId, email, role: 'member' }, now);
        await recordAudit(tx, now, [
          {
            actor,
            accountId,
            entity: 'account',
            entityId: accountId,
            action: 'member_added',
            after: { userId: added.userId, email: added.email, role: 'member', tokenId: added.tokenId },
          },
        ]);
        if (options.invite !== true) return ok(added);
        const user = { id: added.userId, accountId, email: added.email };
        return ok({
          ...added,
          invitation: await issuePasswordLink(tx, { user, purpose: 'invitation', actor }, now),
        });
      }),
    () => fail('email_taken', `${email} is already a user of this account.`, 'email'),
    'users.email',
  );
}

/** A user of an account as its owner and staff see them: never their password, only whether they have set one. */
export interface MemberView {
  userId: string;
  email: string;
  role: 'owner' | 'member';
  /** False until they open their invitation (or a reset link) and choose one. */
  hasPassword: boolean;
  createdAt: string;
}

/** Staff or the owner manage members; a member is refused, anyone else finds no account. */
function manageAccess(principal: Principal, accountId: string): Result<void> {
  if (canManageAccount(principal, accountId)) return ok(undefined);
  if (canSeeAccount(principal, accountId))
    return fail('forbidden', 'Only the account’s owner manages its members.');
  return fail('account_not_found', `There is no account ${accountId}.`, 'accountId');
}

/** The account's users, the owner first. */
export async function listMembers(
  ctx: ServiceContext,
  principal: Principal,
  accountId: string,
): Promise<Result<MemberView[]>> {
  const access = manageAccess(principal, accountId);
  if (!access.ok) return access;
  const users = await accountUsers(ctx.store.db, accountId);
  return ok(
    users.map((user) => ({
      userId: user.id,
      email: user.email,
      role: user.role === 'owner' ? 'owner' : 'member',
      hasPassword: Boolean(user.has_password),
      createdAt: new Date(user.created_at).toISOString(),
    })),
  );
}

/**
 * Removes a member from the account: their API tokens and sessions end with them. The owner
 * stays; a user of another account is unknown here.
 */
export async function removeMember(
  ctx: ServiceContext,
  principal: Principal,
  accountId: string,
  userId: string,
): Promise<Result<{ userId: string; email: string }>> {
  const access = manageAccess(principal, accountId);
  if (!access.ok) return access;
  const now = ctx.clock.now();
  // Read before the transaction, whose first statement is then a write: on SQLite a transaction
  // that reads first cannot take the write lock while another process holds it.
  const db = ctx.store.db;
  const user = await accountUser(db, accountId, userId);
  if (user === undefined)
    return fail('user_not_found', `There is no user ${userId} in this account.`, 'userId');
  if (user.role !== 'member')
    return fail(
      'owner_not_removable',
      `${user.email} owns the account: its owner cannot be removed.`,
      'userId',
    );
  const [owner] = (await accountUsers(db, accountId)).filter((known) => known.role === 'owner');
  if (owner === undefined) throw new Error(`account ${accountId} has no owner`);
  return inTransaction(db, async (tx) => {
    // Removed meanwhile by another request: one removal, one audit entry.
    if (!(await deleteUser(tx, user.id, owner.id)))
      return fail('user_not_found', `There is no user ${userId} in this account.`, 'userId');
    await recordAudit(tx, now, [
      {
        actor: principal.userId,
        accountId,
        entity: 'account',
        entityId: accountId,
        action: 'member_removed',
        before: { userId: user.id, email: user.email, role: 'member' },
      },
    ]);
    return ok({ userId: user.id, email: user.email });
  });
}
