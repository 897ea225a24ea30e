import { Value } from '@sinclair/typebox/value';
import type { Command } from 'commander';
import { OfflineRequest } from '../contract/activation.js';
import type { Result } from '../domain/errors.js';
import { shownKey } from '../domain/key-status.js';
import { plural } from '../domain/text.js';
import { resolveAccount } from '../service/accounts/operations.js';
import { activateOffline } from '../service/activation/operations.js';
import type { ServiceContext } from '../service/context.js';
import {
  issueFailoverKey,
  renewLicenses,
  replaceLicense,
  splitLicense,
  transferLicenses,
} from '../service/licenses/lifecycle.js';
import { findLicense, issueLicense, listLicenses } from '../service/licenses/operations.js';
import { refundKey } from '../service/orders/refunds.js';
import { readJsonFile } from './agent-context.js';
import { registerAuditCommand } from './audit-commands.js';
import { failoverSentence, replacedSentence, splitSentence } from './key-sentences.js';
import { orExit, print, printJson } from './output.js';
import {
  type ActingFlags,
  accountFilter,
  actingOption,
  dataOption,
  licenseIdOf,
  operatorOf,
  printLicenses,
  type StoreFlags,
  usageError,
  wholeNumber,
  withContext,
} from './store-access.js';

/** Runs a staff operation, as the operator acting, on one key named as typed at the command line. */
function onKey<T>(
  typed: string,
  flags: ActingFlags,
  operation: (ctx: ServiceContext, input: { licenseId: string; actor: string }) => Promise<Result<T>>,
): Promise<T> {
  return withContext(flags, async (ctx) => {
    const actor = await operatorOf(ctx, flags);
    return orExit(await operation(ctx, { licenseId: orExit(await licenseIdOf(ctx, typed)), actor }));
  });
}

/** Keys named as typed, as license ids; the first unknown one stops the command. */
async function licenseIdsOf(ctx: ServiceContext, typed: readonly string[]): Promise<string[]> {
  const ids = [];
  for (const key of typed) ids.push(orExit(await licenseIdOf(ctx, key)));
  return ids;
}

function partsOf(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length < 2 || parts.some((part) => !/^\d+$/.test(part)))
    throw usageError(`--into must list the new keys' connections, such as 3,7; got "${text}"`);
  return parts.map(Number);
}

/** The `key` commands: issue and list keys, and what happens to them after the purchase. */
export function registerKeyLifecycleCommands(key: Command, program: Command): void {
  actingOption(
    dataOption(
      key.command('issue').description('Issue a fixed license key to an account; prints the key first'),
    ),
  )
    .requiredOption('--account <account>', 'account id (acc_...) or registered admin email')
    .requiredOption('--connections <n>', 'concurrent connections')
    .option('--years <n>', 'support/upgrade term in years', '1')
    .option('--purchased <date>', 'purchase date (the term starts here), e.g. 2026-11-23; today by default')
    .option(
      '--legacy',
      'old terms (Access Server 1.8.4 and before): never expires on the machine it is activated on',
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (
        flags: ActingFlags & {
          account: string;
          connections: string;
          years: string;
          purchased?: string;
          legacy?: boolean;
        },
      ) => {
        const connections = wholeNumber('--connections', flags.connections, 1, 1_000_000);
        const years = wholeNumber('--years', flags.years, 1, 10);
        const purchasedAt = flags.purchased === undefined ? undefined : new Date(flags.purchased);
        if (purchasedAt !== undefined && Number.isNaN(purchasedAt.getTime())) {
          throw usageError(`--purchased must be a date such as 2026-11-23; got "${flags.purchased}"`);
        }
        const issued = await withContext(flags, async (ctx) => {
          const actor = await operatorOf(ctx, flags);
          const { id } = orExit(await resolveAccount(ctx, flags.account));
          return orExit(
            await issueLicense(ctx, {
              accountId: id,
              connections,
              years,
              purchasedAt,
              legacy: flags.legacy === true,
              actor,
            }),
          );
        });
        if (flags.json) printJson(issued);
        // The key alone on the first line, so that KEY=$(seatkeeper key issue ... | head -1) works.
        else
          print(
            `${issued.key}\n${plural(issued.connections, 'connection')}, support term until ${issued.ends.slice(0, 10)} (${issued.id}).`,
          );
      },
    );
  dataOption(key.command('list').description('List license keys with their status and server'))
    .option('--account <account>', 'only this account’s keys: id or registered admin email')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { account?: string }) => {
      const licenses = await withContext(flags, async (ctx) => {
        const accountId = await accountFilter(ctx, flags.account);
        return listLicenses(ctx, { accountId });
      });
      if (flags.json) printJson({ licenses });
      else printLicenses(licenses);
    });

  actingOption(
    dataOption(
      key
        .command('renew')
        .description(
          'Renew keys for more years, all or none (ahead of the end: after the current term; expired: from today)',
        )
        .argument('<keys...>', 'license keys or their ids (lic_...)'),
    ),
  )
    .option('--years <n>', 'years to add', '1')
    .option('--json', 'print the result as JSON')
    .action(async (keys: string[], flags: ActingFlags & { years: string }) => {
      const years = wholeNumber('--years', flags.years, 1, 10);
      const renewed = await withContext(flags, async (ctx) => {
        const actor = await operatorOf(ctx, flags);
        const licenseIds = await licenseIdsOf(ctx, keys);
        return orExit(await renewLicenses(ctx, { licenseIds, years, actor }));
      });
      if (flags.json) printJson({ licenses: renewed });
      else printLicenses(renewed);
    });

  actingOption(
    dataOption(
      key
        .command('refund')
        .description('Refund a key never activated, within 30 days of its purchase: it is revoked for good')
        .argument('<key>', 'the license key or its id (lic_...)'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .action(async (typed: string, flags: ActingFlags) => {
      const refunded = await onKey(typed, flags, refundKey);
      if (flags.json) printJson(refunded);
      else
        print(
          `Refunded ${shownKey(refunded.key.slice(-4))} (${refunded.id}): the key is revoked and can never be activated.`,
        );
    });

  actingOption(
    dataOption(
      key
        .command('split')
        .description(
          'Split a key never activated into keys whose connections add up to its own; prints the new keys',
        )
        .argument('<key>', 'the license key or its id (lic_...)'),
    ),
  )
    .requiredOption('--into <connections>', "the new keys' connections, comma-separated, e.g. 3,7")
    .option('--json', 'print the result as JSON')
    .action(async (typed: string, flags: ActingFlags & { into: string }) => {
      const parts = partsOf(flags.into);
      const split = await onKey(typed, flags, (ctx, input) => splitLicense(ctx, { ...input, parts }));
      if (flags.json) printJson(split);
      else {
        print(splitSentence(split.original, split.keys));
        printLicenses(split.keys);
      }
    });

  actingOption(
    dataOption(
      key
        .command('replace')
        .description(
          'License replacement program, within the support term: a new key; the old one stops after 7 days',
        )
        .argument('<key>', 'the license key or its id (lic_...)'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .action(async (typed: string, flags: ActingFlags) => {
      const replaced = await onKey(typed, flags, replaceLicense);
      if (flags.json) printJson(replaced);
      // The new key alone on the first line, for scripts.
      else print(`${replaced.replacement.key}\n${replacedSentence(replaced.original, replaced.replacement)}`);
    });

  actingOption(
    dataOption(
      key
        .command('failover')
        .description(
          'The free failover key of a key, for an integrated standby server (one per key); prints it first',
        )
        .argument('<key>', 'the license key or its id (lic_...)'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .action(async (typed: string, flags: ActingFlags) => {
      const { failover, original } = await withContext(flags, async (ctx) => {
        const actor = await operatorOf(ctx, flags);
        const licenseId = orExit(await licenseIdOf(ctx, typed));
        const failover = orExit(await issueFailoverKey(ctx, { licenseId, actor }));
        return { failover, original: await findLicense(ctx, licenseId) };
      });
      if (flags.json) printJson(failover);
      else print(`${failover.key}\n${failoverSentence(failover, original?.key.slice(-4) ?? '')}`);
    });

  actingOption(
    dataOption(
      key
        .command('transfer')
        .description(
          'Move keys to another account with their activations and terms (the old account no longer sees them)',
        )
        .argument('<keys...>', 'license keys or their ids (lic_...)'),
    ),
  )
    .requiredOption('--to <account>', 'the account to move them to: id or registered admin email')
    .requiredOption(
      '--requested-by <email>',
      'who asks: the keys’ admin email or its domain, or anyone citing --order',
    )
    .option('--order <number>', 'the order number on an older invoice of these keys (SO-...)')
    .option('--json', 'print the result as JSON')
    .action(
      async (keys: string[], flags: ActingFlags & { to: string; requestedBy: string; order?: string }) => {
        const moved = await withContext(flags, async (ctx) => {
          const actor = await operatorOf(ctx, flags);
          const licenseIds = await licenseIdsOf(ctx, keys);
          const to = orExit(await resolveAccount(ctx, flags.to));
          return orExit(
            await transferLicenses(ctx, {
              licenseIds,
              toAccountId: to.id,
              requesterEmail: flags.requestedBy,
              orderNumber: flags.order,
              actor,
            }),
          );
        });
        if (flags.json) printJson({ licenses: moved });
        else {
          print(`Moved ${plural(moved.length, 'key')} to ${moved[0]?.accountId}:`);
          printLicenses(moved);
        }
      },
    );

  dataOption(
    key
      .command('offline-activate')
      .description(
        'Offline activation: answer a server’s request file with its certificate (prints the certificate file)',
      )
      .argument('<request>', 'the file `seatkeeper agent offline-request` wrote, or - for standard input'),
  ).action(async (file: string, flags: StoreFlags) => {
    const candidate = readJsonFile(file);
    if (!Value.Check(OfflineRequest, candidate)) {
      const wrong = Value.Errors(OfflineRequest, candidate).First()?.path ?? '';
      throw usageError(
        `${file} is not an offline activation request (${wrong.replace(/^\//, '').replaceAll('/', '.') || 'not an object'} is not valid): write one with \`seatkeeper agent offline-request KEY\``,
      );
    }
    const { format: _format, ...request } = candidate;
    const answer = await withContext(flags, async (ctx) =>
      orExit(await activateOffline(ctx, { accountId: undefined }, request)),
    );
    printJson(answer);
  });

  registerAuditCommand(program);
}
