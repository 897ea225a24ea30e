import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { systemClock } from '../domain/clock.js';
import { createBootstrapToken } from '../service/auth/staff.js';
import type { ServiceFlags } from '../service/config.js';
import type { ServiceContext } from '../service/context.js';
import { openFolderWarning } from '../service/secrets/private-files.js';
import { writeVendorPublicKey } from '../service/secrets/vendor-keys.js';
import { CliError, EXIT, note } from './output.js';
import { config } from './store-access.js';

function banner(
  address: string,
  ctx: ServiceContext,
  vendorPem: string,
  bootstrap: string | undefined,
  warning: string | undefined,
  dataDir: string,
): string {
  const { engine, location } = ctx.store;
  // The command must find the same store: the data folder unless it is the default, or PostgreSQL's URL.
  const sameStore =
    engine === 'postgres'
      ? ' (with the same DATABASE_URL)'
      : dataDir === resolve('data')
        ? ''
        : ` --data '${dataDir}'`;
  const lines = [
    `Seatkeeper license service on ${address} (${engine}: ${location})`,
    `Portal and staff console: ${address}/`,
    `API docs: ${address}/docs`,
    ctx.payments.name === 'test'
      ? 'Payments: the built-in TEST provider approves test card numbers and moves no money; set --payment-provider stripe to sell (docs/payments.md)'
      : 'Payments: Stripe',
    `Vendor signing key ${ctx.vendor.kid}${ctx.vendor.created ? ' (new)' : ''}; its public key, for agents: ${vendorPem}`,
    '  install it once on each VPN server, as root: seatkeeper agent install --vendor-key vendor.pem',
    ctx.vendor.publicKeyPem.trim(),
  ];
  if (bootstrap !== undefined) {
    const body = JSON.stringify({ token: bootstrap, email: 'you@vendor.example' });
    lines.push(
      'Bootstrap token for the first vendor-staff user (printed at every start until that user exists):',
      `  ${bootstrap}`,
      `  open ${address}/welcome, paste it, and choose your email and password`,
      `  curl -X POST ${address}/v1/staff/bootstrap -H 'content-type: application/json' -d '${body}'`,
      `  or, on this store: seatkeeper staff create --email you@vendor.example${sameStore}`,
    );
  }
  if (warning !== undefined) lines.push(`Warning: ${warning}`);
  return lines.join('\n');
}

/** Why the service cannot listen where it was told, in words that say which flag to change. */
export function cannotListen(error: unknown, where: { host: string; port: number }): unknown {
  const { host, port } = where;
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'EADDRINUSE':
      return new CliError(
        `port ${port} on ${host} is in use (another program, or a service already running, listens there): start with --port N (npm start -- --port N)`,
        EXIT.usage,
        'port_in_use',
      );
    case 'EACCES':
      return new CliError(
        `port ${port} on ${host} needs root: start on a port from 1024 up with --port N (npm start -- --port N)`,
        EXIT.usage,
        'port_not_permitted',
      );
    case 'EADDRNOTAVAIL':
      return new CliError(
        `${host} is not an address of this machine: start with --host and one of its addresses, e.g. --host 127.0.0.1`,
        EXIT.usage,
        'host_not_available',
      );
    default:
      return error;
  }
}

async function serve(flags: ServiceFlags): Promise<void> {
  const settings = config(flags);
  // The HTTP stack, the store and the mailer load only when serving: every other command starts faster.
  const [{ createApp }, { openContext }, { startReminderJob }, { smtpMailer }] = await Promise.all([
    import('../service/app.js'),
    import('../service/runtime.js'),
    import('../service/reminders/job.js'),
    import('../service/reminders/mailer.js'),
  ]);
  const logger = pino({ level: settings.logLevel, base: { service: 'seatkeeper' } });
  const ctx = await openContext(settings, systemClock).catch((error: unknown) => {
    throw new CliError(
      `cannot open the store: ${(error as Error).message}`,
      EXIT.unavailable,
      'store_unavailable',
    );
  });
  const mailer =
    settings.mail === undefined ? undefined : smtpMailer(settings.mail.smtpUrl, settings.mail.from);
  const app = await createApp({
    ...ctx,
    logger,
    mailer,
    failureLimits: settings.failureLimits,
    trustedProxies: settings.trustedProxies,
  });
  const vendorPem = writeVendorPublicKey(settings.dataDir, ctx.vendor);
  const bootstrap = await createBootstrapToken(ctx);
  const address = await app.listen({ host: settings.host, port: settings.port }).catch(async (error) => {
    await app.close();
    await ctx.store.close();
    throw cannotListen(error, settings);
  });
  // On a port the system chose, links sent to people (password links, payment returns) name that port.
  if (settings.port === 0 && flags.publicUrl === undefined && !process.env.SEATKEEPER_PUBLIC_URL)
    ctx.policy.publicUrl = address;
  const openFolder = openFolderWarning(settings.dataDir);
  if (openFolder !== undefined) logger.warn({ dataDir: settings.dataDir }, openFolder);
  // One write, so that whoever reads stderr gets the whole banner at once, bootstrap token included.
  note(banner(address, ctx, vendorPem, bootstrap, openFolder, settings.dataDir));
  logger.info(
    { url: address, engine: ctx.store.engine, store: ctx.store.location, kid: ctx.vendor.kid },
    'seatkeeper listening',
  );
  const reminders = startReminderJob(ctx, mailer, logger, settings.reminderIntervalMs);
  if (settings.mail === undefined)
    logger.info('expiry reminders are off: set --smtp-url and --mail-from to send them');
  if (ctx.payments.name === 'test')
    logger.warn(
      'payments go to the built-in test provider, which approves test card numbers and moves no money: set --payment-provider stripe to sell',
    );

  const stop = async (signal: string) => {
    logger.info({ signal }, 'seatkeeper stopping');
    await app.close();
    await reminders.stop();
    await ctx.store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/** `seatkeeper serve`: the license service, with every setting as a flag or its environment variable. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Start the license service (SQLite in the data directory unless DATABASE_URL is set)')
    .option(
      '--port <port>',
      'port to listen on, 8080 by default; through npm: npm start -- --port N (env SEATKEEPER_PORT)',
      undefined,
    )
    .option('--host <host>', 'address to listen on, 127.0.0.1 by default (env SEATKEEPER_HOST)', undefined)
    .option(
      '--data <dir>',
      'data directory: SQLite file and vendor keys, ./data by default (env SEATKEEPER_DATA)',
      undefined,
    )
    .option(
      '--certificate-ttl <duration>',
      'how long an online certificate counts, e.g. 7d (env SEATKEEPER_CERTIFICATE_TTL)',
      undefined,
    )
    .option(
      '--log-level <level>',
      'fatal|error|warn|info|debug|trace|silent (env SEATKEEPER_LOG_LEVEL)',
      undefined,
    )
    .option(
      '--smtp-url <url>',
      'SMTP server for expiry reminders, e.g. smtp://user:password@mail.example.com:587 (env SEATKEEPER_SMTP_URL)',
      undefined,
    )
    .option(
      '--mail-from <address>',
      'the address reminders are sent from (env SEATKEEPER_MAIL_FROM)',
      undefined,
    )
    .option(
      '--reminder-interval <duration>',
      'how often due reminders are looked for, default 5m (env SEATKEEPER_REMINDER_INTERVAL)',
      undefined,
    )
    .option(
      '--max-failures-per-address <n>',
      'failed key or token attempts one client address may make per window, default 100 (env SEATKEEPER_MAX_FAILURES_PER_ADDRESS)',
      undefined,
    )
    .option(
      '--max-failures-per-prefix <n>',
      'failed attempts at keys or tokens that begin alike per window, default 20 (env SEATKEEPER_MAX_FAILURES_PER_PREFIX)',
      undefined,
    )
    .option(
      '--failure-window <duration>',
      'the window failed attempts are counted in, default 10m (env SEATKEEPER_FAILURE_WINDOW)',
      undefined,
    )
    .option(
      '--trust-proxy <addresses>',
      'load balancers (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For names the client (env SEATKEEPER_TRUST_PROXY)',
      undefined,
    )
    .option(
      '--invoice-prefix <prefix>',
      'the prefix (series) invoice numbers are given in, SK- by default: SK-000001 (env SEATKEEPER_INVOICE_PREFIX)',
      undefined,
    )
    .option(
      '--payment-provider <name>',
      'test (built-in, for demos) or stripe, test by default; stripe reads STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET from the environment (env SEATKEEPER_PAYMENT_PROVIDER)',
      undefined,
    )
    .option(
      '--stripe-api-url <url>',
      "Stripe's API address, https://api.stripe.com by default (env SEATKEEPER_STRIPE_API_URL)",
      undefined,
    )
    .option(
      '--public-url <url>',
      'the address customers reach the service at, for links back from a payment page; http://HOST:PORT by default (env SEATKEEPER_PUBLIC_URL)',
      undefined,
    )
    .option(
      '--tax-rates <rates>',
      'tax rates by billing country, in percent: DE=19,FR=20,US=0; other countries pay none (env SEATKEEPER_TAX_RATES)',
      undefined,
    )
    .option(
      '--bank-details <file>',
      'a text file of the bank wire and ACH details every invoice prints (env SEATKEEPER_BANK_DETAILS)',
      undefined,
    )
    .option(
      '--seller-name <name>',
      'who issues the invoices, Seatkeeper by default (env SEATKEEPER_SELLER_NAME)',
      undefined,
    )
    .action(serve);
}
