import { describe, expect, it } from 'vitest';
import { hostAllowed } from './server.js';
import { isLoopback, pageSettings } from './settings.js';

describe('the license page’s settings', () => {
  const PASSWORD = 'a long admin passphrase';

  it('serves no page without a port, and 127.0.0.1 by default', () => {
    expect(pageSettings({ port: undefined, host: undefined, password: undefined })).toEqual({
      ok: true,
      value: undefined,
    });
    expect(pageSettings({ port: '943', host: undefined, password: undefined })).toEqual({
      ok: true,
      value: { host: '127.0.0.1', port: 943, password: undefined },
    });
    expect(pageSettings({ port: '943', host: '[::1]', password: undefined })).toMatchObject({
      ok: true,
      value: { host: '::1' },
    });
  });

  it.each([
    [{ port: 'web' }, /--page-port must be a TCP port from 1 to 65535; got "web"/],
    [{ port: '0' }, /--page-port must be a TCP port/],
    [{ port: '70000' }, /--page-port must be a TCP port/],
    [{ port: undefined, host: '127.0.0.1' }, /needs a port too/],
    [{ port: '943', host: 'not a host!' }, /--page-host must be an IP address or a host name/],
    [
      { port: '943', host: '0.0.0.0' },
      /can be reached from other machines: set SEATKEEPER_AGENT_PAGE_PASSWORD/,
    ],
    [
      { port: '943', host: '192.0.2.7', password: 'short' },
      /SEATKEEPER_AGENT_PAGE_PASSWORD: A password has at least 12/,
    ],
  ])('refuses %j and says why', (given, message) => {
    const settings = pageSettings({ host: undefined, password: undefined, ...given });
    expect(settings.ok).toBe(false);
    if (!settings.ok) expect(settings.error.detail).toMatch(message);
  });

  it('takes any address with a password', () => {
    expect(pageSettings({ port: '943', host: '0.0.0.0', password: PASSWORD })).toMatchObject({
      ok: true,
      value: { host: '0.0.0.0', password: PASSWORD },
    });
  });

  it('knows the loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.0.2.7', 'vpn.example.net', '128.0.0.1'])
      expect(isLoopback(host)).toBe(false);
  });

  it('answers only the Host it is bound to, or localhost on loopback, or any IP on every address', () => {
    const loopback = { host: '127.0.0.1', port: 943 };
    expect(hostAllowed('127.0.0.1:943', loopback)).toBe(true);
    expect(hostAllowed('localhost:943', loopback)).toBe(true);
    expect(hostAllowed('[::1]:943', loopback)).toBe(true);
    expect(hostAllowed('127.0.0.1:944', loopback)).toBe(false);
    expect(hostAllowed('127.0.0.1', loopback)).toBe(false);
    expect(hostAllowed('evil.example:943', loopback)).toBe(false);
    expect(hostAllowed(undefined, loopback)).toBe(false);
    expect(hostAllowed('127.0.0.1:943@evil', loopback)).toBe(false);
    const everywhere = { host: '0.0.0.0', port: 943 };
    expect(hostAllowed('192.0.2.7:943', everywhere)).toBe(true);
    expect(hostAllowed('[2001:db8::1]:943', everywhere)).toBe(true);
    expect(hostAllowed('vpn.example.net:943', everywhere)).toBe(false);
    const named = { host: 'vpn.example.net', port: 80 };
    expect(hostAllowed('VPN.example.net', named)).toBe(true);
    expect(hostAllowed('evil.example', named)).toBe(false);
  });
});
