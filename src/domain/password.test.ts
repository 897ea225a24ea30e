import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkNewPassword,
  hashPassword,
  needsRehash,
  PASSWORD_MAX_LENGTH,
  verifyPassword,
} from './password.js';

describe('passwords', () => {
  const phrase = 'correct horse battery staple';
  let stored = '';
  beforeAll(async () => {
    stored = await hashPassword(phrase);
  });

  it('stores a salted scrypt hash that names its parameters, never the password', async () => {
    expect(stored).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(phrase);
    expect(await hashPassword(phrase)).not.toBe(stored);
    expect(needsRehash(stored)).toBe(false);
  });

  it('verifies the password it was made from and nothing else', async () => {
    expect(await verifyPassword(phrase, stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    // The same characters composed another way are the same password.
    const accented = await hashPassword('café au lait, s’il vous plaît');
    expect(await verifyPassword('cafe\u0301 au lait, s’il vous plaît', accented)).toBe(true);
  });

  it('refuses a damaged or hostile hash without hashing with it', async () => {
    const [, , r, p, salt, hash] = stored.split('$');
    for (const damaged of [
      '',
      'plain',
      stored.slice(0, -1),
      `scrypt$30000$${r}$${p}$${salt}$${hash}`,
      `scrypt$1073741824$${r}$${p}$${salt}$${hash}`,
      `bcrypt$32768$${r}$${p}$${salt}$${hash}`,
    ]) {
      expect(await verifyPassword(phrase, damaged), damaged).toBe(false);
      expect(needsRehash(damaged)).toBe(true);
    }
  });

  it('asks for a hash again when its parameters are below today’s', () => {
    expect(needsRehash(stored.replace('$32768$', '$16384$'))).toBe(true);
  });

  it('takes a new password of 12 characters or more, not blank and not endless', async () => {
    expect(checkNewPassword(phrase).ok).toBe(true);
    for (const weak of ['short', ' '.repeat(20), 'x'.repeat(PASSWORD_MAX_LENGTH + 1)]) {
      const checked = checkNewPassword(weak);
      expect(checked.ok).toBe(false);
      expect(!checked.ok && checked.error).toMatchObject({ code: 'validation_failed', field: 'password' });
    }
    expect(await verifyPassword('x'.repeat(PASSWORD_MAX_LENGTH + 1), stored)).toBe(false);
  });
});
