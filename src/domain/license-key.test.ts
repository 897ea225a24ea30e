import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  formatLicenseKey,
  generateLicenseKey,
  licenseKeyDigest,
  licenseKeyHint,
  parseLicenseKey,
} from './license-key.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DISPLAY_FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/;

/** A small seeded PRNG (mulberry32), so the "random" keys are the same on every run. */
function seededBytes(seed: number): (length: number) => Uint8Array {
  let state = seed >>> 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
    }
    return out;
  };
}

function seededKeys(count: number, seed: number): string[] {
  const next = seededBytes(seed);
  return Array.from({ length: count }, () => generateLicenseKey(next(19)));
}

const canonicalOf = (key: string): string => key.replaceAll('-', '');

function expectValid(input: string): string {
  const parsed = parseLicenseKey(input);
  if (!parsed.ok) throw new Error(`expected ${JSON.stringify(input)} to parse, got ${parsed.error.detail}`);
  return parsed.value;
}

describe('generateLicenseKey', () => {
  it('formats five groups of four Crockford base32 characters', () => {
    for (const key of seededKeys(200, 1)) {
      expect(key).toMatch(DISPLAY_FORMAT);
      expect(key.split('-')).toHaveLength(5);
      expect(key).not.toMatch(/[ILOU]/);
    }
  });

  it('makes keys that parse back to their canonical form', () => {
    for (const key of seededKeys(200, 2)) {
      expect(expectValid(key)).toBe(canonicalOf(key));
    }
  });

  it('uses fresh random bytes when none are given', () => {
    const a = generateLicenseKey();
    const b = generateLicenseKey();
    expect(a).toMatch(DISPLAY_FORMAT);
    expect(b).toMatch(DISPLAY_FORMAT);
    expect(a).not.toBe(b);
    expect(parseLicenseKey(a).ok).toBe(true);
  });

  it('is deterministic for the same bytes', () => {
    const bytes = seededBytes(3)(19);
    expect(generateLicenseKey(bytes)).toBe(generateLicenseKey(bytes));
  });

  it('computes the Luhn mod 32 check character (hand-computed vectors)', () => {
    // All-zero body: the sum is 0, so the check character is 0.
    expect(generateLicenseKey(new Uint8Array(19))).toBe('0000-0000-0000-0000-0000');
    // Body ends in 1 (doubled): sum 2, check (32 - 2) = 30 = 'Y'.
    const one = new Uint8Array(19);
    one[18] = 1;
    expect(generateLicenseKey(one)).toBe('0000-0000-0000-0000-001Y');
    // All 31 ('Z'): ten doubled (62 -> 1 + 30 = 31), nine plain (31): 589; 589 mod 32 = 13; check 19 = 'K'.
    expect(generateLicenseKey(new Uint8Array(19).fill(0xff))).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZK');
  });

  it('uses only the low five bits of each random byte', () => {
    const low = Uint8Array.from({ length: 19 }, (_, i) => i);
    const high = Uint8Array.from(low, (value) => value | 0xe0);
    expect(generateLicenseKey(high)).toBe(generateLicenseKey(low));
    expect(generateLicenseKey(low).startsWith('0123-4567-89AB-CDEF-GHJ')).toBe(true);
  });
});

describe('parseLicenseKey', () => {
  const key = 'ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZK';
  const canonical = 'ZZZZZZZZZZZZZZZZZZZK';

  it('accepts the display form and returns the canonical form', () => {
    expect(expectValid(key)).toBe(canonical);
  });

  it('accepts any case, with or without dashes and spaces', () => {
    for (const generated of seededKeys(50, 4)) {
      const compact = canonicalOf(generated);
      expect(expectValid(generated.toLowerCase())).toBe(compact);
      expect(expectValid(compact)).toBe(compact);
      expect(expectValid(compact.toLowerCase())).toBe(compact);
      expect(expectValid(generated.replaceAll('-', ' '))).toBe(compact);
      expect(expectValid(`  ${generated.replaceAll('-', ' - ')}\t\n`)).toBe(compact);
      const mixed = [...compact].map((c, i) => (i % 2 === 0 ? c.toLowerCase() : c)).join('');
      expect(expectValid(mixed)).toBe(compact);
    }
  });

  it('reads O as 0 and I or L as 1, in either case', () => {
    const zeros = '0000-0000-0000-0000-0000';
    expect(expectValid(zeros.replaceAll('0', 'O'))).toBe('0'.repeat(20));
    expect(expectValid(zeros.replaceAll('0', 'o'))).toBe('0'.repeat(20));
    const withOne = '0000-0000-0000-0000-001Y';
    expect(expectValid(withOne)).toBe('0000000000000000001Y');
    for (const lookalike of ['I', 'i', 'L', 'l']) {
      expect(expectValid(withOne.replace('1', lookalike))).toBe('0000000000000000001Y');
    }
  });

  it('rejects EVERY single-character substitution as license_key_malformed', () => {
    let tried = 0;
    for (const generated of [...seededKeys(5, 5), '0000-0000-0000-0000-0000', 'ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZK']) {
      const chars = [...canonicalOf(generated)];
      for (let position = 0; position < chars.length; position++) {
        for (const replacement of ALPHABET) {
          if (replacement === chars[position]) continue;
          const typo = chars.with(position, replacement).join('');
          const parsed = parseLicenseKey(typo);
          tried++;
          expect(parsed, `${typo} (position ${position})`).toEqual({
            ok: false,
            error: {
              code: 'license_key_malformed',
              detail: 'A character of the license key is mistyped: check it and try again.',
              field: 'key',
            },
          });
        }
      }
    }
    expect(tried).toBe(7 * 20 * 31);
  });

  it('catches every adjacent transposition except swapping 0 and Z (the Luhn mod N blind spot)', () => {
    let changed = 0;
    let slipped = 0;
    const slips = new Set<string>();
    for (const generated of seededKeys(1000, 6)) {
      const chars = [...canonicalOf(generated)];
      for (let i = 0; i < chars.length - 1; i++) {
        const a = chars[i] as string;
        const b = chars[i + 1] as string;
        if (a === b) continue;
        changed++;
        const swapped = chars
          .with(i, b)
          .with(i + 1, a)
          .join('');
        const parsed = parseLicenseKey(swapped);
        const blindSpot = (a === '0' && b === 'Z') || (a === 'Z' && b === '0');
        if (blindSpot) {
          expect(parsed.ok, `${swapped} (swap at ${i})`).toBe(true);
          slipped++;
          slips.add([a, b].sort().join(''));
        } else {
          expect(parsed.ok, `${swapped} (swap at ${i})`).toBe(false);
          if (!parsed.ok) expect(parsed.error.code).toBe('license_key_malformed');
        }
      }
    }
    expect(changed).toBeGreaterThan(18_000);
    expect(slips).toEqual(new Set(['0Z']));
    // Only one pair in 32 * 31 / 2 slips: well under one percent of the swaps.
    expect(slipped).toBeGreaterThan(0);
    expect(slipped / changed).toBeLessThan(0.01);
  });

  it('lets a 0/Z swap through, in the body and across the check character', () => {
    // Body ...0Z: the doubled 0 and the plain Z contribute 31; swapped, the doubled Z gives 31 too.
    const body = new Uint8Array(19);
    body[17] = 31;
    const key = canonicalOf(generateLicenseKey(body));
    expect(key.slice(16, 18)).toBe('0Z');
    const swapped = `${key.slice(0, 16)}Z0${key.slice(18)}`;
    expect(expectValid(swapped)).toBe(swapped);
    expect(swapped).not.toBe(key);

    // Body ends 1,0 (sum 1) so the check is Z; swapping the last 0 with the check Z still verifies.
    const withCheckZ = '0000000000000000010Z';
    expect(expectValid(withCheckZ)).toBe(withCheckZ);
    expect(expectValid('000000000000000001Z0')).toBe('000000000000000001Z0');
  });

  it('rejects the wrong length, naming the count, with field "key"', () => {
    const canonical20 = canonical;
    const cases: Array<[string, number]> = [
      ['', 0],
      [canonical20.slice(0, 19), 19],
      [`${canonical20}0`, 21],
      ['ZZZZ-ZZZZ-ZZZZ-ZZZZ', 16],
      ['- -', 0],
    ];
    for (const [input, length] of cases) {
      expect(parseLicenseKey(input)).toEqual({
        ok: false,
        error: {
          code: 'license_key_malformed',
          detail: `A license key has 20 characters in five groups of four; this one has ${length}.`,
          field: 'key',
        },
      });
    }
  });

  it('rejects characters outside the alphabet, naming the character, with field "key"', () => {
    const cases: Array<[string, string]> = [
      ['ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZU', 'U'],
      ['ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZ!', '!'],
      ['UZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZK', 'U'],
      ['ZZZZ_ZZZZ-ZZZZ-ZZZZ-ZZZK', '_'],
      ['ZZZZ.ZZZZ.ZZZZ.ZZZZ.ZZZK', '.'],
    ];
    for (const [input, char] of cases) {
      const parsed = parseLicenseKey(input);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.error.code).toBe('license_key_malformed');
      expect(parsed.error.field).toBe('key');
      expect(parsed.error.detail).toBe(`A license key has no "${char}" in it: check what you typed.`);
    }
  });

  it('names a lower-case invalid letter in upper case', () => {
    const parsed = parseLicenseKey('zzzz-zzzz-zzzz-zzzz-zzzu');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.detail).toContain('"U"');
  });
});

describe('formatLicenseKey, licenseKeyHint, licenseKeyDigest', () => {
  it('formats a canonical key in five dash-separated groups and round-trips', () => {
    expect(formatLicenseKey('ZZZZZZZZZZZZZZZZZZZK')).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZK');
    for (const key of seededKeys(20, 7)) {
      expect(formatLicenseKey(canonicalOf(key))).toBe(key);
    }
  });

  it('hints with the last group only', () => {
    expect(licenseKeyHint('ZZZZZZZZZZZZZZZZZZZK')).toBe('ZZZK');
    expect(licenseKeyHint('0123456789ABCDEFGHJK')).toBe('GHJK');
  });

  it('digests deterministically to 64 hex characters', () => {
    const digest = licenseKeyDigest('ZZZZZZZZZZZZZZZZZZZK');
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(licenseKeyDigest('ZZZZZZZZZZZZZZZZZZZK')).toBe(digest);
    expect(digest).toBe(
      createHash('sha256').update('seatkeeper-license-key:ZZZZZZZZZZZZZZZZZZZK').digest('hex'),
    );
    // Domain separated: not the bare SHA-256 of the key.
    expect(digest).not.toBe(createHash('sha256').update('ZZZZZZZZZZZZZZZZZZZK').digest('hex'));
  });

  it('gives different keys different digests', () => {
    const keys = seededKeys(200, 8).map(canonicalOf);
    const digests = new Set(keys.map(licenseKeyDigest));
    expect(new Set(keys).size).toBe(200);
    expect(digests.size).toBe(200);
  });
});

describe('characters outside ASCII', () => {
  it('refuses them rather than letting upper-casing turn them into key characters', () => {
    const key = generateLicenseKey(new Uint8Array(19).fill(7));
    const sneaky = `ß${key.slice(2)}`;
    const result = parseLicenseKey(sneaky);
    expect(result.ok ? undefined : result.error).toMatchObject({
      code: 'license_key_malformed',
      field: 'key',
    });
    expect(result.ok ? '' : result.error.detail).toContain('"ß"');
  });
});
