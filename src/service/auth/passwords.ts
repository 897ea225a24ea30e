import { fail, ok, type Result } from '../../domain/errors.js';
import { hashPassword, needsRehash, verifyPassword } from '../../domain/password.js';
import type { ServiceContext } from '../context.js';
import type { Principal } from './principal.js';
import { principalOf } from './tokens.js';
import { setPasswordHash, usersWithPassword } from './user-repository.js';

export interface SignedIn {
  principal: Principal;
  email: string;
}

/**
 * The hash of a password nobody knows, at today's parameters: an unknown email is checked against
 * it, so that it costs what a known one does and the answer's timing tells nothing.
 */
export const DECOY_HASH =
  'scrypt$32768$8$3$ccygHfCEH6a0lTr4XBml_A$P_FwbBGeNPg_9W1yw0vbvNx55dAgep5jAdXTTJqNHB4';

const refused = () =>
  fail('sign_in_failed', 'The email or the password is not right. Check both, or reset your password.');

/**
 * The user these credentials sign in. One email may be a user of several accounts: the first
 * whose password matches (staff first, then the oldest) is signed in.
 */
export async function checkPassword(
  ctx: ServiceContext,
  email: string,
  password: string,
): Promise<Result<SignedIn>> {
  const candidates = await usersWithPassword(ctx.store.db, email);
  const staffFirst = [...candidates].sort((a, b) => Number(b.role === 'staff') - Number(a.role === 'staff'));
  if (staffFirst.length === 0) {
    await verifyPassword(password, DECOY_HASH);
    return refused();
  }
  for (const user of staffFirst) {
    if (user.passwordHash === null || !(await verifyPassword(password, user.passwordHash))) continue;
    const principal = principalOf(user);
    if (principal === undefined) continue;
    // Parameters raised since this hash was made: store it again at today's.
    if (needsRehash(user.passwordHash))
      await setPasswordHash(ctx.store.db, user.userId, await hashPassword(password));
    return ok({ principal, email: user.email });
  }
  return refused();
}
