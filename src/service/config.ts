import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { normalizeEmail } from '../domain/email.js';
import { DEFAULT_FAILURE_LIMITS, type FailureLimits } from '../domain/failed-attempts.js';
import { parseTaxRates, type TaxRates } from '../domain/tax.js';
import { plainText } from '../domain/text.js';
import { DEFAULT_SELLER_NAME } from './invoices/seller.js';
import { DEFAULT_INVOICE_PREFIX, isInvoicePrefix } from './invoices/series.js';

/** Everything the service reads from flags and the environment, validated once at start. */
export interface ServiceConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  certificateTtlMs: number;
  logLevel: string;
  /** Where expiry reminders are sent through; without it the reminder job does not run. */
  mail: MailConfig | undefined;
  reminderIntervalMs: number;
  failureLimits: FailureLimits;
  /** Load balancers whose X-Forwarded-For names the client; without them the peer is the client. */
  trustedProxies: string[];
  /** The series (prefix) invoices are numbered in: `SK-000001`. */
  invoicePrefix: string;
  /** Who takes online payments: the built-in test provider, or Stripe. */
  payments: PaymentsConfig;
  /** The service's address as customers reach it: where a hosted checkout page sends them back. */
  publicUrl: URL;
  /** Tax rates (parts per million) by billing country; a country not in it pays none. */
  taxRates: TaxRates;
  /** The bank wire and ACH details every invoice prints, one line each; without them, "on request". */
  bankDetails: string[] | undefined;
  /** Who issues the invoices. */
  sellerName: string;
}

/** Stripe's keys come from the environment only: a flag would show them in the process list. */
export type PaymentsConfig =
  | { provider: 'test' }
  | { provider: 'stripe'; secretKey: string; webhookSecret: string; apiUrl: URL };

export interface MailConfig {
  smtpUrl: URL;
  from: string;
}

export interface ServiceFlags {
  host?: string | undefined;
  port?: string | undefined;
  data?: string | undefined;
  certificateTtl?: string | undefined;
  logLevel?: string | undefined;
  smtpUrl?: string | undefined;
  mailFrom?: string | undefined;
  reminderInterval?: string | undefined;
  maxFailuresPerAddress?: string | undefined;
  maxFailuresPerPrefix?: string | undefined;
  failureWindow?: string | undefined;
  trustProxy?: string | undefined;
  invoicePrefix?: string | undefined;
  paymentProvider?: string | undefined;
  stripeApiUrl?: string | undefined;
  publicUrl?: string | undefined;
  taxRates?: string | undefined;
  bankDetails?: string | undefined;
  sellerName?: string | undefined;
}

export class ConfigError extends Error {}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `12h`, `7d`, up to `max` (ten years unless said otherwise). */
export function parseDuration(text: string, name: string, max = '3650d'): number {
  const parse = (value: string) => {
    const match = /^(\d+)\s*([smhd])$/.exec(value.trim());
    const unit = match?.[2] === undefined ? undefined : UNITS[match[2]];
    return match?.[1] === undefined || unit === undefined ? 0 : Number(match[1]) * unit;
  };
  const ms = parse(text);
  if (!(ms > 0 && ms <= parse(max))) {
    throw new ConfigError(
      `${name} must be a duration from 1s to ${max}, such as 90s, 15m, 12h or 7d; got "${text}"`,
    );
  }
  return ms;
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new ConfigError(`${name} must be a port number from 0 to 65535; got "${text}"`);
  return port;
}

/** The limits on failed credential attempts; each one not given keeps its default. */
export function parseFailureLimits(
  perAddress: string | undefined,
  perPrefix: string | undefined,
  window: string | undefined,
): FailureLimits {
  const count = (text: string | undefined, name: string, fallback: number): number => {
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1_000_000)
      throw new ConfigError(`${name} must be a whole number from 1 to 1000000; got "${text}"`);
    return Number(text);
  };
  const defaults = DEFAULT_FAILURE_LIMITS;
  return {
    perAddress: count(
      perAddress,
      '--max-failures-per-address / SEATKEEPER_MAX_FAILURES_PER_ADDRESS',
      defaults.perAddress,
    ),
    perPrefix: count(
      perPrefix,
      '--max-failures-per-prefix / SEATKEEPER_MAX_FAILURES_PER_PREFIX',
      defaults.perPrefix,
    ),
    windowMs:
      window === undefined
        ? defaults.windowMs
        : parseDuration(window, '--failure-window / SEATKEEPER_FAILURE_WINDOW', '1d'),
  };
}

/** Addresses or CIDR ranges, comma-separated: `10.0.0.5,10.1.0.0/16`. */
export function parseProxies(text: string | undefined, name: string): string[] {
  const proxies = (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  for (const proxy of proxies) {
    const [address = '', bits, ...rest] = proxy.split('/');
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      rest.length > 0 ||
      (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))
    )
      throw new ConfigError(
        `${name} must be addresses or CIDR ranges, comma-separated, such as 10.0.0.5,10.1.0.0/16; got "${proxy}"`,
      );
  }
  return proxies;
}

const SMTP_FLAG = '--smtp-url / SEATKEEPER_SMTP_URL';
const FROM_FLAG = '--mail-from / SEATKEEPER_MAIL_FROM';

/** The SMTP server and sender address, both or neither. */
export function parseMailConfig(
  smtpUrl: string | undefined,
  from: string | undefined,
): MailConfig | undefined {
  if (smtpUrl === undefined) {
    if (from !== undefined)
      throw new ConfigError(`${FROM_FLAG} needs ${SMTP_FLAG}: the server to send through`);
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(smtpUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || !['smtp:', 'smtps:'].includes(url.protocol) || url.hostname === '') {
    throw new ConfigError(
      `${SMTP_FLAG} must be an SMTP URL such as smtp://mail.example.com:587 or smtps://user:password@mail.example.com; got "${redactUrl(smtpUrl)}"`,
    );
  }
  if (from === undefined)
    throw new ConfigError(`${FROM_FLAG} is required with ${SMTP_FLAG}: the address reminders are sent from`);
  const address = normalizeEmail(from);
  if (!address.ok) throw new ConfigError(`${FROM_FLAG} must be an email address; got "${from}"`);
  return { smtpUrl: url, from: address.value };
}

/** The prefix of invoice numbers; a new prefix starts its own series at 1. */
export function parseInvoicePrefix(text: string | undefined): string {
  if (text === undefined) return DEFAULT_INVOICE_PREFIX;
  if (!isInvoicePrefix(text))
    throw new ConfigError(
      `--invoice-prefix / SEATKEEPER_INVOICE_PREFIX must be 1 to 12 letters, digits, - or _, starting with a letter or digit, such as SK- or INV2026-; got "${text}"`,
    );
  return text;
}

const PROVIDER_FLAG = '--payment-provider / SEATKEEPER_PAYMENT_PROVIDER';
const STRIPE_API_FLAG = '--stripe-api-url / SEATKEEPER_STRIPE_API_URL';
const PUBLIC_URL_FLAG = '--public-url / SEATKEEPER_PUBLIC_URL';

/** An http(s) URL without credentials, query or fragment; `undefined` for anything else. */
function httpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    const plain = url.username === '' && url.password === '' && url.search === '' && url.hash === '';
    return ['http:', 'https:'].includes(url.protocol) && url.hostname !== '' && plain ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The payment provider and, for Stripe, its keys (never echoed in a message) and API address. */
export function parsePaymentsConfig(
  provider: string | undefined,
  apiUrl: string | undefined,
  env: NodeJS.ProcessEnv,
): PaymentsConfig {
  const secretKey = env.STRIPE_SECRET_KEY || undefined;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET || undefined;
  if (provider === undefined) {
    // Stripe settings with no provider named are a forgotten switch: the test provider would
    // then approve test card numbers as if they were payments.
    const stray = [
      secretKey && 'STRIPE_SECRET_KEY',
      webhookSecret && 'STRIPE_WEBHOOK_SECRET',
      apiUrl && STRIPE_API_FLAG,
    ].filter((name): name is string => typeof name === 'string');
    if (stray.length > 0)
      throw new ConfigError(
        `${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} set but ${PROVIDER_FLAG} is not: set it to stripe to take payments through Stripe, or to test to keep the built-in test provider`,
      );
    return { provider: 'test' };
  }
  if (provider === 'test') return { provider: 'test' };
  if (provider !== 'stripe')
    throw new ConfigError(`${PROVIDER_FLAG} must be test or stripe; got "${provider}"`);
  if (secretKey === undefined)
    throw new ConfigError(
      `STRIPE_SECRET_KEY is required with ${PROVIDER_FLAG} stripe: the secret key (sk_live_... or sk_test_...) from the Stripe dashboard, set in the environment`,
    );
  if (!/^(?:sk|rk)_(?:live|test)_\S+$/.test(secretKey))
    throw new ConfigError(
      'STRIPE_SECRET_KEY must be a Stripe secret or restricted key, starting sk_live_, sk_test_, rk_live_ or rk_test_ (a publishable pk_ key will not do); the value given is not shown',
    );
  if (webhookSecret === undefined)
    throw new ConfigError(
      `STRIPE_WEBHOOK_SECRET is required with ${PROVIDER_FLAG} stripe: the signing secret (whsec_...) of the webhook endpoint in the Stripe dashboard, set in the environment`,
    );
  if (!/^whsec_\S+$/.test(webhookSecret))
    throw new ConfigError(
      'STRIPE_WEBHOOK_SECRET must be the signing secret of a Stripe webhook endpoint, starting whsec_; the value given is not shown',
    );
  const api = httpUrl(apiUrl ?? 'https://api.stripe.com');
  // The SDK takes a host, a port and a protocol: a path would be silently dropped.
  if (api === undefined || api.pathname !== '/')
    throw new ConfigError(
      `${STRIPE_API_FLAG} must be an http(s) address with no path, such as https://api.stripe.com; got "${redactUrl(apiUrl ?? '')}"`,
    );
  return { provider: 'stripe', secretKey, webhookSecret, apiUrl: api };
}

/** Where customers reach the service; the listening address unless said otherwise. */
export function parsePublicUrl(text: string | undefined, host: string, port: number): URL {
  const url = httpUrl(text ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  if (url === undefined)
    throw new ConfigError(
      `${PUBLIC_URL_FLAG} must be an http(s) URL such as https://licensing.example.com; got "${redactUrl(text ?? '')}"`,
    );
  return url;
}

/** `DE=19,FR=20,US=0`: percentages by ISO 3166 country code; none configured, no tax. */
export function parseTaxRateFlag(text: string | undefined): TaxRates {
  const parsed = parseTaxRates(text ?? '');
  if (!parsed.ok)
    throw new ConfigError(
      `--tax-rates / SEATKEEPER_TAX_RATES must be country codes and percentages, such as DE=19,FR=20,US=0: ${parsed.error.detail}`,
    );
  return parsed.value;
}

const BANK_FLAG = '--bank-details / SEATKEEPER_BANK_DETAILS';
const BANK_MAX_LINES = 40;
const BANK_MAX_LINE = 200;

/** The lines of the bank details file, blank lines at its ends dropped; read once, at start. */
export function readBankDetails(path: string | undefined): string[] | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${BANK_FLAG} names a text file of the bank wire and ACH details invoices print; "${path}" cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line) => line.trimEnd());
  while (lines[0] === '') lines.shift();
  while (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw new ConfigError(`${BANK_FLAG}: "${path}" is empty`);
  if (lines.length > BANK_MAX_LINES)
    throw new ConfigError(
      `${BANK_FLAG}: "${path}" has ${lines.length} lines; an invoice prints ${BANK_MAX_LINES} at most`,
    );
  lines.forEach((line, index) => {
    if (!plainText(line, 'line').ok || line.length > BANK_MAX_LINE)
      throw new ConfigError(
        `${BANK_FLAG}: line ${index + 1} of "${path}" must be text of at most ${BANK_MAX_LINE} characters, without tabs or control characters`,
      );
  });
  return lines;
}

/** The seller's name, as invoices print it at their head. */
export function parseSellerName(text: string | undefined): string {
  if (text === undefined) return DEFAULT_SELLER_NAME;
  const name = text.trim();
  if (name === '' || name.length > 200 || !plainText(name, 'name').ok)
    throw new ConfigError(
      `--seller-name / SEATKEEPER_SELLER_NAME must be one line of 1 to 200 characters; got "${text}"`,
    );
  return name;
}

/** Flags win over the environment; the environment wins over defaults. */
export function loadServiceConfig(flags: ServiceFlags, env: NodeJS.ProcessEnv): ServiceConfig {
  const pick = (flag: string | undefined, variable: string): string | undefined =>
    flag ?? (env[variable] || undefined);
  const logLevel = pick(flags.logLevel, 'SEATKEEPER_LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}"`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      `DATABASE_URL must be a PostgreSQL URL (postgres://user@host:5432/db); got "${redactUrl(databaseUrl)}"`,
    );
  }
  const host = pick(flags.host, 'SEATKEEPER_HOST') ?? '127.0.0.1';
  const port = parsePort(pick(flags.port, 'SEATKEEPER_PORT') ?? '8080', '--port / SEATKEEPER_PORT');
  return {
    host,
    port,
    dataDir: resolve(pick(flags.data, 'SEATKEEPER_DATA') ?? 'data'),
    databaseUrl,
    certificateTtlMs: parseDuration(
      pick(flags.certificateTtl, 'SEATKEEPER_CERTIFICATE_TTL') ?? '7d',
      '--certificate-ttl / SEATKEEPER_CERTIFICATE_TTL',
    ),
    logLevel,
    mail: parseMailConfig(
      pick(flags.smtpUrl, 'SEATKEEPER_SMTP_URL'),
      pick(flags.mailFrom, 'SEATKEEPER_MAIL_FROM'),
    ),
    reminderIntervalMs: parseDuration(
      pick(flags.reminderInterval, 'SEATKEEPER_REMINDER_INTERVAL') ?? '5m',
      '--reminder-interval / SEATKEEPER_REMINDER_INTERVAL',
      // A timer waits at most about 24 days; reminders are days apart, so a day is plenty.
      '1d',
    ),
    failureLimits: parseFailureLimits(
      pick(flags.maxFailuresPerAddress, 'SEATKEEPER_MAX_FAILURES_PER_ADDRESS'),
      pick(flags.maxFailuresPerPrefix, 'SEATKEEPER_MAX_FAILURES_PER_PREFIX'),
      pick(flags.failureWindow, 'SEATKEEPER_FAILURE_WINDOW'),
    ),
    trustedProxies: parseProxies(
      pick(flags.trustProxy, 'SEATKEEPER_TRUST_PROXY'),
      '--trust-proxy / SEATKEEPER_TRUST_PROXY',
    ),
    invoicePrefix: parseInvoicePrefix(pick(flags.invoicePrefix, 'SEATKEEPER_INVOICE_PREFIX')),
    payments: parsePaymentsConfig(
      pick(flags.paymentProvider, 'SEATKEEPER_PAYMENT_PROVIDER'),
      pick(flags.stripeApiUrl, 'SEATKEEPER_STRIPE_API_URL'),
      env,
    ),
    publicUrl: parsePublicUrl(pick(flags.publicUrl, 'SEATKEEPER_PUBLIC_URL'), host, port),
    taxRates: parseTaxRateFlag(pick(flags.taxRates, 'SEATKEEPER_TAX_RATES')),
    bankDetails: readBankDetails(pick(flags.bankDetails, 'SEATKEEPER_BANK_DETAILS')),
    sellerName: parseSellerName(pick(flags.sellerName, 'SEATKEEPER_SELLER_NAME')),
  };
}
