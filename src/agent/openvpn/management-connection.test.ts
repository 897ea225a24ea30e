import { describe, expect, it } from 'vitest';
import { parseManagementAddress } from './management-connection.js';

describe('the management address', () => {
  it('reads HOST:PORT, [IPv6]:PORT and unix socket paths', () => {
    expect(parseManagementAddress('127.0.0.1:7505')).toEqual({
      ok: true,
      value: { host: '127.0.0.1', port: 7505 },
    });
    expect(parseManagementAddress('[::1]:7505')).toEqual({ ok: true, value: { host: '::1', port: 7505 } });
    expect(parseManagementAddress('vpn.internal:1')).toEqual({
      ok: true,
      value: { host: 'vpn.internal', port: 1 },
    });
    expect(parseManagementAddress('/run/openvpn/server.sock')).toEqual({
      ok: true,
      value: { path: '/run/openvpn/server.sock' },
    });
  });

  it.each(['', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', 'host:port', ':7505', '127.0.0.1:75 05'])(
    'refuses %j with a message naming the form it wants',
    (text) => {
      const parsed = parseManagementAddress(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) {
        expect(parsed.error.code).toBe('validation_failed');
        expect(parsed.error.detail).toMatch(/HOST:PORT/);
      }
    },
  );
});
