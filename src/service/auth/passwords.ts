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

/** Hashed once at start: an unknown email costs what a known one does, so timing tells nothing. */
let decoy: Promise<string> | undefined;

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
    decoy ??= hashPassword('a password nobody has');
    await verifyPassword(password, await decoy);
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
