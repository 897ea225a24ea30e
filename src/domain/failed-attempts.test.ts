import { describe, expect, it } from 'vitest';
import { addressKey, blockedUntil, DEFAULT_FAILURE_LIMITS, limitOf, prefixKey } from './failed-attempts.js';

describe('what failed attempts are counted by', () => {
  it('counts an IPv4 client by its address, also when it arrives mapped into IPv6', () => {
    expect(addressKey('192.0.2.1')).toBe('a:192.0.2.1');
    expect(addressKey('::ffff:192.0.2.1')).toBe('a:192.0.2.1');
  });

  it('counts an IPv6 client by its /64, however the address is written', () => {
    const key = 'a:2001:db8:0:1::/64';
    expect(addressKey('2001:db8:0:1::1')).toBe(key);
    expect(addressKey('2001:0db8:0000:0001:ffff:ffff:ffff:ffff')).toBe(key);
    expect(addressKey('2001:DB8:0:1:0:0:0:2')).toBe(key);
    expect(addressKey('2001:db8::1')).toBe('a:2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('a:0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('a:fe80:0:0:0::/64');
  });

  it('counts a credential by its first 8 characters after its type, as typed or not', () => {
    expect(prefixKey('abcd-efgh-jkmn-pqrs-tvw7')).toBe('p:ABCDEFGH');
    expect(prefixKey('ABCD EFGH JKMN PQRS TVW7')).toBe('p:ABCDEFGH');
    expect(prefixKey('sks_Abcdefghijklmnop')).toBe('p:SKS_ABCDEFGH');
    expect(prefixKey('skt_x')).toBe('p:SKT_X');
  });

  it('has a limit for addresses and one for prefixes', () => {
    expect(limitOf('a:192.0.2.1', DEFAULT_FAILURE_LIMITS)).toBe(DEFAULT_FAILURE_LIMITS.perAddress);
    expect(limitOf('p:ABCDEFGH', DEFAULT_FAILURE_LIMITS)).toBe(DEFAULT_FAILURE_LIMITS.perPrefix);
  });

  it('blocks from the failure that reaches the limit until the end of its window', () => {
    expect(blockedUntil(4, 5, 2000, 1000)).toBeUndefined();
    expect(blockedUntil(5, 5, 2000, 1000)).toBe(2000);
    expect(blockedUntil(9, 5, 2000, 1999)).toBe(2000);
    expect(blockedUntil(9, 5, 2000, 2000)).toBeUndefined();
  });
});
