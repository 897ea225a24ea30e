import { createHash, randomBytes } from 'node:crypto';
import { fail, ok, type Result } from './errors.js';

/**
 * Subscription keys are pasted, not typed: `sks_` and 256 random bits in base64url, long and
 * plainly distinct from a fixed key's groups of four.
 */
const PATTERN = /^sks_[A-Za-z0-9_-]{43}$/;

export const generateSubscriptionKey = (random: Uint8Array = randomBytes(32)): string =>
  `sks_${Buffer.from(random).toString('base64url')}`;

export function parseSubscriptionKey(input: string): Result<string> {
  const key = input.trim();
  if (!PATTERN.test(key)) {
    return fail(
      'license_key_malformed',
      'A subscription key is "sks_" and 43 more characters: paste it whole.',
      'key',
    );
  }
  return ok(key);
}

export const subscriptionKeyDigest = (key: string): string =>
  createHash('sha256').update(`seatkeeper-subscription-key:${key}`).digest('hex');

export const subscriptionKeyHint = (key: string): string => key.slice(-4);
