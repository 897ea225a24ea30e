import { describe, expect, it } from 'vitest';
import { normalizeEmail } from './email.js';

describe('normalizeEmail', () => {
  it('lower-cases and trims', () => {
    expect(normalizeEmail('Admin@Example.COM')).toEqual({ ok: true, value: 'admin@example.com' });
    expect(normalizeEmail('  owner@example.net \n')).toEqual({ ok: true, value: 'owner@example.net' });
  });

  it('makes differently cased addresses equal', () => {
    const a = normalizeEmail('Admin@Example.com');
    const b = normalizeEmail('admin@example.com');
    expect(a.ok && b.ok && a.value === b.value).toBe(true);
  });

  it('accepts plus addressing and sub-domains', () => {
    expect(normalizeEmail('ops+vpn@mail.corp.example.org')).toEqual({
      ok: true,
      value: 'ops+vpn@mail.corp.example.org',
    });
  });

  it.each([
    '',
    '   ',
    'admin',
    'admin@',
    '@example.com',
    'admin@example',
    'admin@@example.com',
    'ad min@example.com',
    'admin@exa mple.com',
    'admin@example.',
    'a@b@example.com',
  ])('rejects %j as validation_failed on field "email"', (input) => {
    expect(normalizeEmail(input)).toEqual({
      ok: false,
      error: { code: 'validation_failed', detail: `"${input}" is not an email address.`, field: 'email' },
    });
  });

  it('rejects addresses longer than 254 characters', () => {
    const local = 'a'.repeat(64);
    const domain = `${'b'.repeat(185)}.com`;
    const fits = `${local}@${domain}`;
    expect(fits).toHaveLength(254);
    expect(normalizeEmail(fits).ok).toBe(true);
    const tooLong = `${local}@b${domain}`;
    expect(normalizeEmail(tooLong).ok).toBe(false);
  });

  it('refuses control characters, NUL included, without echoing them', () => {
    for (const input of ['a\u0000b@example.com', 'a@example.com\u0000', 'a\u0085@example.com']) {
      const result = normalizeEmail(input);
      expect(result).toMatchObject({ ok: false, error: { code: 'validation_failed', field: 'email' } });
      if (!result.ok) expect(result.error.detail).not.toContain(input);
    }
  });

  it('reports the field it was given', () => {
    const result = normalizeEmail('nope', 'owner.email');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.field).toBe('owner.email');
  });
});
