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
  /** Tax rates (parts per million) by billing country; a country not in it pays none. */
  taxRates: TaxRates;
  /** The bank wire and ACH details every invoice prints, one line each; without them, "on request". */
  bankDetails: string[] | undefined;
  /** Who issues the invoices. */
  sellerName: string;
}

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
  return {
    host: pick(flags.host, 'SEATKEEPER_HOST') ?? '127.0.0.1',
    port: parsePort(pick(flags.port, 'SEATKEEPER_PORT') ?? '8080', '--port / SEATKEEPER_PORT'),
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
    taxRates: parseTaxRateFlag(pick(flags.taxRates, 'SEATKEEPER_TAX_RATES')),
    bankDetails: readBankDetails(pick(flags.bankDetails, 'SEATKEEPER_BANK_DETAILS')),
    sellerName: parseSellerName(pick(flags.sellerName, 'SEATKEEPER_SELLER_NAME')),
  };
}
