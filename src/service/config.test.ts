import { describe, expect, it } from 'vitest';
import { DEFAULT_FAILURE_LIMITS } from '../domain/failed-attempts.js';
import { loadServiceConfig } from './config.js';

describe('limits on failed attempts in the service configuration', () => {
  it('keeps the defaults unless told otherwise', () => {
    const config = loadServiceConfig({}, {});
    expect(config.failureLimits).toEqual(DEFAULT_FAILURE_LIMITS);
    expect(DEFAULT_FAILURE_LIMITS).toEqual({ perAddress: 100, perPrefix: 20, windowMs: 600_000 });
    expect(config.trustedProxies).toEqual([]);
  });

  it('takes flags over the environment', () => {
    const config = loadServiceConfig(
      { maxFailuresPerAddress: '7', failureWindow: '30s', trustProxy: '10.0.0.5, 10.1.0.0/16,fd00::/8' },
      { SEATKEEPER_MAX_FAILURES_PER_ADDRESS: '9', SEATKEEPER_MAX_FAILURES_PER_PREFIX: '3' },
    );
    expect(config.failureLimits).toEqual({ perAddress: 7, perPrefix: 3, windowMs: 30_000 });
    expect(config.trustedProxies).toEqual(['10.0.0.5', '10.1.0.0/16', 'fd00::/8']);
  });

  it.each([
    [
      { maxFailuresPerAddress: '0' },
      '--max-failures-per-address / SEATKEEPER_MAX_FAILURES_PER_ADDRESS must be a whole number from 1 to 1000000; got "0"',
    ],
    [
      { maxFailuresPerPrefix: 'many' },
      '--max-failures-per-prefix / SEATKEEPER_MAX_FAILURES_PER_PREFIX must be a whole number from 1 to 1000000; got "many"',
    ],
    [
      { failureWindow: '2d' },
      '--failure-window / SEATKEEPER_FAILURE_WINDOW must be a duration from 1s to 1d',
    ],
    [
      { trustProxy: 'balancer.local' },
      '--trust-proxy / SEATKEEPER_TRUST_PROXY must be addresses or CIDR ranges',
    ],
    [{ trustProxy: '10.0.0.0/33' }, 'got "10.0.0.0/33"'],
  ])('refuses %o with a message that names the flag', (flags, message) => {
    expect(() => loadServiceConfig(flags, {})).toThrow(message);
  });
});

describe('the invoice prefix in the service configuration', () => {
  it('is SK- unless a flag or the environment says otherwise, the flag first', () => {
    expect(loadServiceConfig({}, {}).invoicePrefix).toBe('SK-');
    expect(loadServiceConfig({}, { SEATKEEPER_INVOICE_PREFIX: 'INV2027-' }).invoicePrefix).toBe('INV2027-');
    expect(
      loadServiceConfig({ invoicePrefix: 'ACME_' }, { SEATKEEPER_INVOICE_PREFIX: 'INV-' }).invoicePrefix,
    ).toBe('ACME_');
  });

  it.each(['-SK', 'SK 2027', 'MUCH-TOO-LONG-PREFIX', 'SK/'])('refuses %s, naming the flag', (prefix) => {
    expect(() => loadServiceConfig({ invoicePrefix: prefix }, {})).toThrow(
      `--invoice-prefix / SEATKEEPER_INVOICE_PREFIX must be 1 to 12 letters, digits, - or _`,
    );
  });
});
