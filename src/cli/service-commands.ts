import type { Command } from 'commander';
import { pino } from 'pino';
import { systemClock } from '../domain/clock.js';
import { addMember, createAccount, listAccounts, resolveAccount } from '../service/accounts/operations.js';
import { createBootstrapToken, createStaff } from '../service/auth/staff.js';
import type { ServiceFlags } from '../service/config.js';
import type { ServiceContext } from '../service/context.js';
import { openFolderWarning } from '../service/secrets/private-files.js';
import { writeVendorPublicKey } from '../service/secrets/vendor-keys.js';
import {
  createSubscription,
  listSubscriptions,
  renewSubscription,
} from '../service/subscriptions/lifecycle.js';
import { registerKeyLifecycleCommands } from './key-commands.js';
import { CliError, EXIT, note, orExit, print, printJson, table } from './output.js';
import {
  type ActingFlags,
  accountFilter,
  actingOption,
  config,
  dataOption,
  durationOf,
  emailOf,
  oneOf,
  operatorOf,
  type StoreFlags,
  wholeNumber,
  withContext,
} from './store-access.js';

function banner(
  address: string,
  ctx: ServiceContext,
  vendorPem: string,
  bootstrap: string | undefined,
  warning: string | undefined,
): string {
  const { engine, location } = ctx.store;
  const lines = [
    `Seatkeeper license service on ${address} (${engine}: ${location})`,
    `API docs: ${address}/docs`,
    `Vendor signing key ${ctx.vendor.kid}${ctx.vendor.created ? ' (new)' : ''}; its public key, for agents: ${vendorPem}`,
    '  install it once on each VPN server, as root: seatkeeper agent install --vendor-key vendor.pem',
    ctx.vendor.publicKeyPem.trim(),
  ];
  if (bootstrap !== undefined) {
    const body = JSON.stringify({ token: bootstrap, email: 'you@vendor.example' });
    lines.push(
      'Bootstrap token for the first vendor-staff user (printed at every start until that user exists):',
      `  ${bootstrap}`,
      `  curl -X POST ${address}/v1/staff/bootstrap -H 'content-type: application/json' -d '${body}'`,
      '  or, on this store: seatkeeper staff create --email you@vendor.example',
    );
  }
  if (warning !== undefined) lines.push(`Warning: ${warning}`);
  return lines.join('\n');
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
  const app = await createApp({
    ...ctx,
    logger,
    failureLimits: settings.failureLimits,
    trustedProxies: settings.trustedProxies,
  });
  const vendorPem = writeVendorPublicKey(settings.dataDir, ctx.vendor);
  const bootstrap = await createBootstrapToken(ctx);
  const address = await app.listen({ host: settings.host, port: settings.port });
  const openFolder = openFolderWarning(settings.dataDir);
  if (openFolder !== undefined) logger.warn({ dataDir: settings.dataDir }, openFolder);
  // One write, so that whoever reads stderr gets the whole banner at once, bootstrap token included.
  note(banner(address, ctx, vendorPem, bootstrap, openFolder));
  logger.info(
    { url: address, engine: ctx.store.engine, store: ctx.store.location, kid: ctx.vendor.kid },
    'seatkeeper listening',
  );
  const reminders =
    settings.mail === undefined
      ? undefined
      : startReminderJob(
          ctx,
          smtpMailer(settings.mail.smtpUrl, settings.mail.from),
          logger,
          settings.reminderIntervalMs,
        );
  if (reminders === undefined)
    logger.info('expiry reminders are off: set --smtp-url and --mail-from to send them');

  const stop = async (signal: string) => {
    logger.info({ signal }, 'seatkeeper stopping');
    await app.close();
    await reminders?.stop();
    await ctx.store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

export function registerServiceCommands(program: Command): void {
  program
    .command('serve')
    .description('Start the license service (SQLite in the data directory unless DATABASE_URL is set)')
    .option('--port <port>', 'port to listen on (env SEATKEEPER_PORT)', undefined)
    .option('--host <host>', 'address to listen on (env SEATKEEPER_HOST)', undefined)
    .option('--data <dir>', 'data directory: SQLite file and vendor keys (env SEATKEEPER_DATA)', undefined)
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
    .action(serve);

  dataOption(program.command('migrate').description('Run the database migrations and exit'))
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags) => {
      // Opening the context migrates; the names applied are not needed by a person.
      await withContext(flags, async (ctx) => {
        if (flags.json) printJson({ engine: ctx.store.engine, store: ctx.store.location, migrated: true });
        else print(`Migrations are up to date (${ctx.store.engine}: ${ctx.store.location}).`);
      });
    });

  const staff = program.command('staff').description('Vendor-staff users');
  actingOption(
    dataOption(
      staff.command('create').description('Create a vendor-staff user and print its API token (shown once)'),
    ),
  )
    .requiredOption('--email <email>', 'the staff member’s email')
    .option('--json', 'print the result as JSON')
    .action(async (flags: ActingFlags & { email: string }) => {
      const created = await withContext(flags, async (ctx) =>
        orExit(await createStaff(ctx, emailOf(flags.email), await operatorOf(ctx, flags))),
      );
      if (flags.json) printJson(created);
      else
        print(`Staff ${created.email} (${created.userId}) created. API token, shown once:\n${created.token}`);
    });

  const account = program.command('account').description('Customer accounts');
  actingOption(
    dataOption(account.command('create').description('Create an account with its registered admin email')),
  )
    .requiredOption('--email <email>', 'registered admin email (unique, cannot be edited later)')
    .option('--name <name>', 'display name')
    .option('--json', 'print the result as JSON')
    .action(async (flags: ActingFlags & { email: string; name?: string }) => {
      const created = await withContext(flags, async (ctx) => {
        const actor = await operatorOf(ctx, flags);
        return orExit(await createAccount(ctx, { email: emailOf(flags.email), name: flags.name, actor }));
      });
      if (flags.json) printJson(created);
      else
        print(
          `Account ${created.account.id} created for ${created.account.email}.\nOwner API token, shown once:\n${created.ownerToken}`,
        );
    });
  dataOption(account.command('list').description('List accounts'))
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags) => {
      const accounts = await withContext(flags, (ctx) => listAccounts(ctx));
      if (flags.json) printJson({ accounts });
      else
        print(
          table(
            ['ID', 'EMAIL', 'NAME', 'CREATED'],
            accounts.map((a) => [a.id, a.email, a.name, a.createdAt.slice(0, 10)]),
          ),
        );
    });
  actingOption(
    dataOption(
      account.command('add-member').description('Add a member to an account and print their API token'),
    ),
  )
    .requiredOption('--account <account>', 'account id (acc_...) or registered admin email')
    .requiredOption('--email <email>', 'the member’s email')
    .option('--json', 'print the result as JSON')
    .action(async (flags: ActingFlags & { account: string; email: string }) => {
      const added = await withContext(flags, async (ctx) => {
        const actor = await operatorOf(ctx, flags);
        const { id } = orExit(await resolveAccount(ctx, flags.account));
        return orExit(await addMember(ctx, id, emailOf(flags.email), actor));
      });
      if (flags.json) printJson(added);
      else print(`Member ${added.email} (${added.userId}) added. API token, shown once:\n${added.token}`);
    });

  const key = program.command('key').description('Fixed license keys');
  registerKeyLifecycleCommands(key, program);

  const subscription = program
    .command('subscription')
    .description('Subscriptions: connection pools shared by many servers');
  actingOption(
    dataOption(
      subscription
        .command('create')
        .description('Create a subscription for an account; prints its key first'),
    ),
  )
    .requiredOption('--account <account>', 'account id (acc_...) or registered admin email')
    .requiredOption('--connections <n>', 'concurrent connections across all its servers')
    .option('--period <period>', 'monthly or yearly', 'monthly')
    .option(
      '--mode <mode>',
      'reconcile (disconnect the excess after the fact) or lease (never over-admit)',
      'reconcile',
    )
    .option('--order <order>', 'reconcile: disconnect the newest or the oldest tunnels first', 'newest')
    .option('--heartbeat <duration>', 'how often servers report, e.g. 30s', '30s')
    .option('--grace <duration>', 'how long a server goes on without answers, e.g. 2d', '2d')
    .option('--no-auto-renew', 'end the subscription with its period')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        flags: ActingFlags & {
          account: string;
          connections: string;
          period: string;
          mode: string;
          order: string;
          heartbeat: string;
          grace: string;
          autoRenew: boolean;
        },
      ) => {
        const connections = wholeNumber('--connections', flags.connections, 1, 1_000_000);
        const period = oneOf('--period', flags.period, ['monthly', 'yearly'] as const);
        const mode = oneOf('--mode', flags.mode, ['reconcile', 'lease'] as const);
        const order = oneOf('--order', flags.order, ['newest', 'oldest'] as const);
        const heartbeatIntervalMs = durationOf('--heartbeat', flags.heartbeat);
        const graceMs = durationOf('--grace', flags.grace);
        const created = await withContext(flags, async (ctx) => {
          const actor = await operatorOf(ctx, flags);
          const { id } = orExit(await resolveAccount(ctx, flags.account));
          return orExit(
            await createSubscription(ctx, {
              actor,
              accountId: id,
              connections,
              period,
              mode,
              order,
              heartbeatIntervalMs,
              graceMs,
              autoRenew: flags.autoRenew,
            }),
          );
        });
        if (flags.json) printJson(created);
        else
          print(
            `${created.key}\n${created.connections} connections (${created.mode}), ${created.period}, until ${created.periodEnds.slice(0, 10)} (${created.id}).`,
          );
      },
    );
  actingOption(
    dataOption(
      subscription
        .command('renew')
        .description('Renew a subscription by one period')
        .argument('<id>', 'subscription id (sub_...)'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .action(async (id: string, flags: ActingFlags) => {
      const renewed = await withContext(flags, async (ctx) =>
        orExit(await renewSubscription(ctx, id, await operatorOf(ctx, flags))),
      );
      if (flags.json) printJson(renewed);
      else print(`${renewed.id} renewed until ${renewed.periodEnds.slice(0, 10)}.`);
    });
  dataOption(subscription.command('list').description('List subscriptions'))
    .option('--account <account>', 'only this account’s subscriptions: id or registered admin email')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { account?: string }) => {
      const subscriptions = await withContext(flags, async (ctx) => {
        const accountId = await accountFilter(ctx, flags.account);
        return listSubscriptions(ctx, { accountId });
      });
      if (flags.json) printJson({ subscriptions });
      else
        print(
          table(
            ['ID', 'ACCOUNT', 'CONNECTIONS', 'MODE', 'PERIOD', 'ENDS'],
            subscriptions.map((s) => [
              s.id,
              s.accountId,
              String(s.connections),
              s.mode,
              s.period,
              s.periodEnds.slice(0, 10),
            ]),
          ),
        );
    });
}
