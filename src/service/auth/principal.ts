/** Who is calling: vendor staff see everything, an account's users only their account. */
export type Principal =
  | { kind: 'staff'; userId: string }
  | { kind: 'account'; userId: string; accountId: string; role: 'owner' | 'member' };

export const canSeeAccount = (principal: Principal, accountId: string): boolean =>
  principal.kind === 'staff' || principal.accountId === accountId;

export const canManageAccount = (principal: Principal, accountId: string): boolean =>
  principal.kind === 'staff' || (principal.accountId === accountId && principal.role === 'owner');
