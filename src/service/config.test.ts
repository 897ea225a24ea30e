import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/engines.js';
import { DEFAULT_FAILURE_LIMITS } from '../domain/failed-attempts.js';
import { ConfigError, loadServiceConfig } from './config.js';

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

describe('payments in the service configuration', () => {
  const STRIPE_ENV = {
    STRIPE_SECRET_KEY: 'sk_live_51Vendor0123456789',
    STRIPE_WEBHOOK_SECRET: 'whsec_Vendor0123',
  };

  it('uses the test provider and the listening address unless told otherwise', () => {
    const config = loadServiceConfig({}, {});
    expect(config.payments).toEqual({ provider: 'test' });
    expect(config.publicUrl.href).toBe('http://127.0.0.1:8080/');
    expect(loadServiceConfig({ host: '::1', port: '9000' }, {}).publicUrl.href).toBe('http://[::1]:9000/');
  });

  it('takes the public URL from the flag over the environment', () => {
    expect(
      loadServiceConfig({}, { SEATKEEPER_PUBLIC_URL: 'https://licensing.example.com/vpn/' }).publicUrl.href,
    ).toBe('https://licensing.example.com/vpn/');
    expect(
      loadServiceConfig({ publicUrl: 'https://a.example' }, { SEATKEEPER_PUBLIC_URL: 'https://b.example' })
        .publicUrl.href,
    ).toBe('https://a.example/');
  });

  it("reads Stripe's keys from the environment, with Stripe's API address by default", () => {
    expect(loadServiceConfig({}, { ...STRIPE_ENV, SEATKEEPER_PAYMENT_PROVIDER: 'stripe' }).payments).toEqual({
      provider: 'stripe',
      secretKey: 'sk_live_51Vendor0123456789',
      webhookSecret: 'whsec_Vendor0123',
      apiUrl: new URL('https://api.stripe.com'),
    });
    const local = loadServiceConfig(
      { paymentProvider: 'stripe', stripeApiUrl: 'http://127.0.0.1:12111' },
      { ...STRIPE_ENV, SEATKEEPER_PAYMENT_PROVIDER: 'test' },
    );
    expect(local.payments).toMatchObject({ provider: 'stripe', apiUrl: new URL('http://127.0.0.1:12111') });
  });

  it('keeps the test provider when it is named, whatever Stripe settings the environment holds', () => {
    expect(loadServiceConfig({ paymentProvider: 'test' }, STRIPE_ENV).payments).toEqual({ provider: 'test' });
  });

  it.each([
    [
      { paymentProvider: 'paypal' },
      {},
      '--payment-provider / SEATKEEPER_PAYMENT_PROVIDER must be test or stripe; got "paypal"',
    ],
    [
      { paymentProvider: 'stripe' },
      { STRIPE_WEBHOOK_SECRET: 'whsec_1' },
      'STRIPE_SECRET_KEY is required with --payment-provider / SEATKEEPER_PAYMENT_PROVIDER stripe',
    ],
    [
      { paymentProvider: 'stripe' },
      { STRIPE_SECRET_KEY: 'sk_test_1' },
      'STRIPE_WEBHOOK_SECRET is required with --payment-provider / SEATKEEPER_PAYMENT_PROVIDER stripe',
    ],
    [
      { paymentProvider: 'stripe', stripeApiUrl: 'https://api.stripe.com/v1' },
      STRIPE_ENV,
      '--stripe-api-url / SEATKEEPER_STRIPE_API_URL must be an http(s) address with no path, such as https://api.stripe.com; got "https://api.stripe.com/v1"',
    ],
    [
      { paymentProvider: 'stripe', stripeApiUrl: 'ftp://127.0.0.1' },
      STRIPE_ENV,
      '--stripe-api-url / SEATKEEPER_STRIPE_API_URL must be an http(s) address',
    ],
    [
      { paymentProvider: 'stripe', stripeApiUrl: 'http://user:secret@127.0.0.1:12111' },
      STRIPE_ENV,
      'got "http://user:***@127.0.0.1:12111/"',
    ],
    [
      {},
      { STRIPE_SECRET_KEY: 'sk_live_1' },
      'STRIPE_SECRET_KEY is set but --payment-provider / SEATKEEPER_PAYMENT_PROVIDER is not: set it to stripe',
    ],
    [
      { stripeApiUrl: 'http://127.0.0.1:12111' },
      STRIPE_ENV,
      'STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, --stripe-api-url / SEATKEEPER_STRIPE_API_URL are set but',
    ],
    [
      { publicUrl: 'licensing.example.com' },
      {},
      '--public-url / SEATKEEPER_PUBLIC_URL must be an http(s) URL such as https://licensing.example.com; got "(unparseable URL)"',
    ],
    [
      { publicUrl: 'https://licensing.example.com/?from=stripe' },
      {},
      '--public-url / SEATKEEPER_PUBLIC_URL must be',
    ],
  ])('refuses %o with %o, naming the setting', (flags, env, message) => {
    expect(() => loadServiceConfig(flags, env)).toThrow(message);
  });

  it.each([
    ['STRIPE_SECRET_KEY', 'pk_live_51PublishableNotSecret', 'must be a Stripe secret or restricted key'],
    ['STRIPE_SECRET_KEY', 'sk_live_51With Space', 'must be a Stripe secret or restricted key'],
    [
      'STRIPE_WEBHOOK_SECRET',
      'sk_live_51PastedTheWrongOne',
      'must be the signing secret of a Stripe webhook',
    ],
  ])('refuses %s=%s without showing the value', (variable, value, message) => {
    const env = { ...STRIPE_ENV, [variable]: value };
    let error: unknown;
    try {
      loadServiceConfig({ paymentProvider: 'stripe' }, env);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${variable} ${message}`);
    expect((error as Error).message).not.toContain(value);
  });
});

describe('the invoices’ tax rates, bank details and seller in the service configuration', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const file = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };

  it('has no tax, no bank details and the seller Seatkeeper unless told otherwise', () => {
    const config = loadServiceConfig({}, {});
    expect([...config.taxRates]).toEqual([]);
    expect(config.bankDetails).toBeUndefined();
    expect(config.sellerName).toBe('Seatkeeper');
  });

  it('reads rates, the bank details file and the seller from flags over the environment', () => {
    const details = file(
      'bank.txt',
      '\uFEFF\nIBAN DE89 3704 0044 0532 0130 00\r\nACH routing 026009593  \n\n',
    );
    const config = loadServiceConfig(
      { taxRates: 'DE=19, FR=20,US=8.875', sellerName: ' Seatkeeper GmbH ' },
      {
        SEATKEEPER_TAX_RATES: 'DE=7',
        SEATKEEPER_BANK_DETAILS: details,
        SEATKEEPER_SELLER_NAME: 'Other',
      },
    );
    expect(Object.fromEntries(config.taxRates)).toEqual({ DE: 190_000, FR: 200_000, US: 88_750 });
    expect(config.bankDetails).toEqual(['IBAN DE89 3704 0044 0532 0130 00', 'ACH routing 026009593']);
    expect(config.sellerName).toBe('Seatkeeper GmbH');
    expect(Object.fromEntries(loadServiceConfig({}, { SEATKEEPER_TAX_RATES: 'DE=7' }).taxRates)).toEqual({
      DE: 70_000,
    });
  });

  it.each([
    [{ taxRates: 'DE=19,Germany=19' }, '--tax-rates / SEATKEEPER_TAX_RATES must be country codes'],
    [{ taxRates: 'de=19' }, '"de=19": a tax rate starts with a two-letter country code'],
    [{ taxRates: 'DE=101' }, '"DE=101": the rate is a percentage from 0 to 100'],
    [{ taxRates: 'DE=19,DE=7' }, 'DE has two tax rates'],
    [{ taxRates: 'DE=19%' }, '--tax-rates / SEATKEEPER_TAX_RATES'],
    [{ bankDetails: '/nonexistent/bank.txt' }, '--bank-details / SEATKEEPER_BANK_DETAILS names a text file'],
    [{ sellerName: '  ' }, '--seller-name / SEATKEEPER_SELLER_NAME must be one line'],
    [{ sellerName: 'Two\nlines' }, '--seller-name / SEATKEEPER_SELLER_NAME must be one line'],
  ])('refuses %o with a message that names the flag', (flags, message) => {
    expect(() => loadServiceConfig(flags, {})).toThrow(ConfigError);
    expect(() => loadServiceConfig(flags, {})).toThrow(message);
  });

  it('refuses a bank details file that is empty, a folder, too long or has control characters', () => {
    const cases: [string, string][] = [
      [file('empty.txt', ' \n\n'), 'is empty'],
      [dir.path, 'cannot be read (EISDIR)'],
      [file('long.txt', 'x\n'.repeat(41)), 'has 41 lines'],
      [file('tab.txt', 'IBAN\tDE89'), 'line 1 of'],
      [file('wide.txt', `ok\n${'x'.repeat(201)}`), 'line 2 of'],
    ];
    for (const [path, message] of cases) {
      expect(() => loadServiceConfig({ bankDetails: path }, {})).toThrow(ConfigError);
      expect(() => loadServiceConfig({}, { SEATKEEPER_BANK_DETAILS: path })).toThrow(message);
    }
  });
});
