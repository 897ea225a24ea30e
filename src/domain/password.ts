import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { fail, ok, type Result } from './errors.js';

/**
 * People's passwords for signing in to the pages (programs keep API tokens): a new password is
 * checked, stored only as a salted scrypt hash, and verified in constant time. The hash names its
 * parameters, so that they can be raised later and old hashes still verify (`needsRehash`).
 */

/** OWASP's scrypt floor: N = 2^15 (32 MiB), r = 8, p = 3. */
export const SCRYPT = { cost: 2 ** 15, blockSize: 8, parallelization: 3 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Above what N = 2^15 and r = 8 need (32 MiB), below what a larger stored N would be allowed. */
const MAX_MEMORY = 64 * 1024 * 1024;

export const PASSWORD_MIN_LENGTH = 12;
/** Long enough for any passphrase, short enough that hashing one costs what hashing any costs. */
export const PASSWORD_MAX_LENGTH = 1024;

/** What a new password must be: long enough, not only spaces, and of a bounded size. */
export function checkNewPassword(password: string): Result<string> {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || password.trim() === '')
    return fail(
      'validation_failed',
      `A password has at least ${PASSWORD_MIN_LENGTH} characters; a phrase of a few words is easiest to remember.`,
      'password',
    );
  if (length > PASSWORD_MAX_LENGTH)
    return fail('validation_failed', `A password has at most ${PASSWORD_MAX_LENGTH} characters.`, 'password');
  return ok(password);
}

interface Parameters {
  cost: number;
  blockSize: number;
  parallelization: number;
}

/** On libuv's thread pool: a sign-in's tens of milliseconds of hashing never stall other requests. */
const derive = (password: string, salt: Buffer, params: Parameters): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { N: params.cost, r: params.blockSize, p: params.parallelization, maxmem: MAX_MEMORY },
      (error, key) => (error === null ? resolve(key) : reject(error)),
    ),
  );

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(
  password: string,
  salt: Buffer = randomBytes(SALT_LENGTH),
): Promise<string> {
  const { cost, blockSize, parallelization } = SCRYPT;
  const hash = await derive(password, salt, SCRYPT);
  return [
    'scrypt',
    cost,
    blockSize,
    parallelization,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{43})$/;

function parse(encoded: string): { params: Parameters; salt: Buffer; hash: Buffer } | undefined {
  const match = FORMAT.exec(encoded);
  if (match === null) return undefined;
  const [cost, blockSize, parallelization] = [match[1], match[2], match[3]].map(Number) as [
    number,
    number,
    number,
  ];
  // A power of two, and no more memory than this process allows: a damaged row must not hang it.
  const powerOfTwo = cost > 1 && (cost & (cost - 1)) === 0;
  if (!powerOfTwo || 128 * cost * blockSize > MAX_MEMORY || parallelization < 1 || blockSize < 1)
    return undefined;
  return {
    params: { cost, blockSize, parallelization },
    salt: Buffer.from(match[4] ?? '', 'base64url'),
    hash: Buffer.from(match[5] ?? '', 'base64url'),
  };
}

/** True when `password` is the one `encoded` was made from; false too for a damaged hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const stored = parse(encoded);
  if (stored === undefined || [...password].length > PASSWORD_MAX_LENGTH) return false;
  return timingSafeEqual(await derive(password, stored.salt, stored.params), stored.hash);
}

/** A hash made with weaker parameters than today's: hash the password again at its next sign-in. */
export function needsRehash(encoded: string): boolean {
  const stored = parse(encoded);
  if (stored === undefined) return true;
  const { params } = stored;
  return (
    params.cost < SCRYPT.cost ||
    params.blockSize < SCRYPT.blockSize ||
    params.parallelization < SCRYPT.parallelization
  );
}
