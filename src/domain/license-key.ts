import { createHash, randomBytes } from 'node:crypto';
import { fail, ok, type Result } from './errors.js';

/**
 * Fixed license keys: 20 characters of Crockford base32 in five groups of four, the last
 * character a Luhn mod 32 check character. The check catches every single mistyped character
 * and most swapped neighbours, so a typo is told apart from a key that was never issued.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RADIX = ALPHABET.length;
const LENGTH = 20;
const GROUP = 4;

/** Letters people confuse with digits are read as the digit, as Crockford base32 intends. */
const LOOKALIKES: Record<string, string> = { O: '0', I: '1', L: '1' };

function checkCharacter(body: readonly number[]): number {
  let sum = 0;
  let factor = 2;
  for (let i = body.length - 1; i >= 0; i--) {
    const product = factor * (body[i] ?? 0);
    sum += Math.floor(product / RADIX) + (product % RADIX);
    factor = factor === 2 ? 1 : 2;
  }
  return (RADIX - (sum % RADIX)) % RADIX;
}

const group = (canonical: string): string =>
  canonical.match(new RegExp(`.{1,${GROUP}}`, 'g'))?.join('-') ?? '';

/** A new key, formatted for display (`ABCD-EFGH-JKMN-PQRS-TVW7`). */
export function generateLicenseKey(random: Uint8Array = randomBytes(LENGTH - 1)): string {
  const body: number[] = [];
  for (let i = 0; i < LENGTH - 1; i++) body.push((random[i] ?? 0) & (RADIX - 1));
  const chars = [...body, checkCharacter(body)].map((value) => ALPHABET[value]);
  return group(chars.join(''));
}

/**
 * Reads a key as a person typed it: any case, with or without dashes or spaces. Returns the
 * canonical form (20 characters, no separators) or says what is wrong with it.
 */
export function parseLicenseKey(input: string): Result<string> {
  const compact = input.replace(/[\s-]/g, '');
  let canonical = '';
  for (const char of compact) {
    // Upper-casing outside ASCII can turn one character into valid ones (ß to SS): refuse it first.
    const mapped = char > '~' ? char : (LOOKALIKES[char.toUpperCase()] ?? char.toUpperCase());
    if (!ALPHABET.includes(mapped)) {
      return fail(
        'license_key_malformed',
        `A license key has no "${mapped}" in it: check what you typed.`,
        'key',
      );
    }
    canonical += mapped;
  }
  if (canonical.length !== LENGTH) {
    return fail(
      'license_key_malformed',
      `A license key has ${LENGTH} characters in five groups of four; this one has ${canonical.length}.`,
      'key',
    );
  }
  const values = [...canonical].map((char) => ALPHABET.indexOf(char));
  const expected = checkCharacter(values.slice(0, -1));
  if (values[LENGTH - 1] !== expected) {
    return fail(
      'license_key_malformed',
      'A character of the license key is mistyped: check it and try again.',
      'key',
    );
  }
  return ok(canonical);
}

export const formatLicenseKey = (canonical: string): string => group(canonical);

/** The last group, enough for a person to tell their keys apart without revealing them. */
export const licenseKeyHint = (canonical: string): string => canonical.slice(-GROUP);

/** What the store looks a key up by: keys carry 95 random bits, so a plain hash cannot be reversed. */
export const licenseKeyDigest = (canonical: string): string =>
  createHash('sha256').update(`seatkeeper-license-key:${canonical}`).digest('hex');
