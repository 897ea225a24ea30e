import { describe, expect, it } from 'vitest';
import { generateSubscriptionKey, parseSubscriptionKey, subscriptionKeyDigest } from './subscription-key.js';

describe('subscription keys', () => {
  it('are long, pasted whole, and unlike a fixed key', () => {
    const key = generateSubscriptionKey(new Uint8Array(32).fill(1));
    expect(key).toMatch(/^sks_[A-Za-z0-9_-]{43}$/);
    expect(parseSubscriptionKey(`  ${key}\n`)).toEqual({ ok: true, value: key });
    expect(subscriptionKeyDigest(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses anything else as malformed, fixed keys included', () => {
    for (const typed of [
      '',
      'sks_short',
      'ABCD-EFGH-JKMN-PQRS-TVWX',
      `sub_${'a'.repeat(43)}`,
      `sks_${'a'.repeat(42)}!`,
    ]) {
      const result = parseSubscriptionKey(typed);
      expect(result.ok ? undefined : result.error).toMatchObject({
        code: 'license_key_malformed',
        field: 'key',
      });
    }
  });
});
