import { randomBytes } from 'node:crypto';

export const ID_PREFIXES = [
  'acc',
  'usr',
  'tok',
  'lic',
  'act',
  'srv',
  'req',
  'sub',
  'aud',
  'tkt',
  'rem',
  'inv',
  'ord',
  'pay',
  'rfd',
  'org',
  'dev',
  'gwk',
  'gwl',
  'gwa',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

/** What follows an id's prefix and underscore, as a regular expression: the base32 digits newId writes. */
export const ID_BODY = `[0-9a-hjkmnp-tv-z]{${TIME_CHARS + RANDOM_CHARS}}`;

/** Encodes the low `chars * 5` bits of `value`, most significant first. */
function encodeTime(ms: number, chars: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < chars; i++) {
    out = BASE32[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/**
 * A prefixed, time-sortable id (`lic_01k...`): 48 bits of milliseconds then 80 random bits,
 * in Crockford base32, so ids sort by creation time and are safe in URLs.
 */
export function newId(prefix: IdPrefix, nowMs: number, random: Uint8Array = randomBytes(16)): string {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0)
    throw new RangeError(`an id needs a time in whole milliseconds; got ${nowMs}`);
  let tail = '';
  for (let i = 0; i < RANDOM_CHARS; i++) tail += BASE32[(random[i] ?? 0) & 31];
  return `${prefix}_${encodeTime(nowMs, TIME_CHARS)}${tail}`;
}

const ID_PATTERN = new RegExp(`^[a-z]{3}_${ID_BODY}$`);

export const isId = (value: string, prefix: IdPrefix): boolean =>
  value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);

/**
 * The number of an order, printed on its invoice and quoted by customers (`SO-7K2MQX9D`): 40
 * random bits in upper-case Crockford base32, short enough to read out on the phone.
 */
export function newOrderNumber(random: Uint8Array = randomBytes(8)): string {
  let digits = '';
  for (let i = 0; i < 8; i++) digits += BASE32[(random[i] ?? 0) & 31];
  return `SO-${digits.toUpperCase()}`;
}
