import { fail, ok, type Result } from './errors.js';
import { plainText } from './text.js';

// Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails compare in lower case: `Admin@Example.com` and `admin@example.com` are one account. */
export function normalizeEmail(input: string, field = 'email'): Result<string> {
  const email = input.trim().toLowerCase();
  const text = plainText(email, field);
  if (!text.ok) return text;
  if (!EMAIL.test(email) || email.length > 254) {
    return fail('validation_failed', `"${input}" is not an email address.`, field);
  }
  return ok(email);
}
