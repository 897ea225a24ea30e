/** Who is calling: vendor staff see everything, an account's users only their account. */
export type Principal =
  | { kind: 'staff'; userId: string }
  | { kind: 'account'; userId: string; accountId: string; role: 'owner' | 'member' };

export const canSeeAccount = (principal: Principal, accountId: string): boolean =>
  principal.kind === 'staff' || principal.accountId === accountId;

/**
 * Staff, or the account's owner: who adds members, sees order numbers, every support request of
 * the account and its audit log. Members use the account's keys and see their own requests.
 */
export const canManageAccount = (principal: Principal, accountId: string): boolean =>
  principal.kind === 'staff' || (principal.accountId === accountId && principal.role === 'owner');
