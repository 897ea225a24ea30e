import type { Command } from 'commander';
import { plural } from '../domain/text.js';
import { addMember, createAccount, listAccounts, resolveAccount } from '../service/accounts/operations.js';
import { createStaff } from '../service/auth/staff.js';
import {
  createSubscription,
  listSubscriptions,
  renewSubscription,
} from '../service/subscriptions/lifecycle.js';
import { registerKeyLifecycleCommands } from './key-commands.js';
import { orExit, print, printJson, table } from './output.js';
import { registerServeCommand } from './serve-command.js';
import {
  type ActingFlags,
  accountFilter,
  actingOption,
  dataOption,
  durationOf,
  emailOf,
  oneOf,
  operatorOf,
  type StoreFlags,
  wholeNumber,
  withContext,
} from './store-access.js';

/** When a subscription's period ends, and whether it goes on by itself then. */
const periodEnd = (s: { autoRenew: boolean; periodEnds: string }): string =>
  `${s.autoRenew ? 'renews' : 'ends'} ${s.periodEnds.slice(0, 10)}`;

export function registerServiceCommands(program: Command): void {
  registerServeCommand(program);

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
        print(
          `Staff user ${created.email} (${created.userId}) created. API token, shown once:\n${created.token}`,
        );
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
      else if (accounts.length === 0) print('No accounts yet: seatkeeper account create --email E adds one.');
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
            `${created.key}\n${plural(created.connections, 'connection')} in ${created.mode} mode, ${created.period}, ${periodEnd(created)} (${created.id}).`,
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
      else
        print(
          `Subscription ${renewed.id} renewed by one ${renewed.period === 'monthly' ? 'month' : 'year'}: its period now ends ${renewed.periodEnds.slice(0, 10)}.`,
        );
    });
  dataOption(subscription.command('list').description('List subscriptions'))
    .option('--account <account>', 'only this account’s subscriptions: id or registered admin email')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { account?: string }) => {
      const { subscriptions, emails } = await withContext(flags, async (ctx) => {
        const accountId = await accountFilter(ctx, flags.account);
        // An operator knows accounts by their email: the table names them so.
        const emails = new Map((await listAccounts(ctx)).map((a) => [a.id, a.email]));
        return { subscriptions: await listSubscriptions(ctx, { accountId }), emails };
      });
      if (flags.json) printJson({ subscriptions });
      else if (subscriptions.length === 0) print('No subscriptions.');
      else
        print(
          table(
            ['ID', 'ACCOUNT', 'CONNECTIONS', 'MODE', 'PERIOD', 'ENDS', 'AUTO-RENEW'],
            subscriptions.map((s) => [
              s.id,
              emails.get(s.accountId) ?? s.accountId,
              String(s.connections),
              s.mode,
              s.period,
              s.periodEnds.slice(0, 10),
              s.autoRenew ? 'yes' : 'no',
            ]),
          ),
        );
    });
}
