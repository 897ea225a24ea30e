import { Value } from '@sinclair/typebox/value';
import type { Command } from 'commander';
import { OfflineRequest } from '../contract/activation.js';
import { ok, type Result } from '../domain/errors.js';
import { isId } from '../domain/ids.js';
import { resolveAccount } from '../service/accounts/operations.js';
import { activateOffline } from '../service/activation/operations.js';
import { type AuditView, auditTrail } from '../service/audit/log.js';
import type { ServiceContext } from '../service/context.js';
import {
  issueFailoverKey,
  refundLicense,
  renewLicenses,
  replaceLicense,
  splitLicense,
  transferLicenses,
} from '../service/licenses/lifecycle.js';
import { findLicenseByKey } from '../service/licenses/operations.js';
import { readJsonFile } from './agent-context.js';
import { orExit, print, printJson, table } from './output.js';
import {
  dataOption,
  OPERATOR,
  printLicenses,
  type StoreFlags,
  usageError,
  wholeNumber,
  withContext,
} from './store-access.js';

/** A key as typed (any case, dashes optional) or its id (lic_...). */
async function licenseIdOf(ctx: ServiceContext, text: string): Promise<Result<string>> {
  if (isId(text, 'lic')) return ok(text);
  const found = await findLicenseByKey(ctx.store.db, text);
  return found.ok ? ok(found.value.id) : found;
}

/** Runs a staff operation on one key named as typed at the command line. */
function onKey<T>(
  typed: string,
  flags: StoreFlags,
  operation: (ctx: ServiceContext, licenseId: string) => Promise<Result<T>>,
): Promise<T> {
  return withContext(flags, async (ctx) =>
    orExit(await operation(ctx, orExit(await licenseIdOf(ctx, typed)))),
  );
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

function printAudit(entries: AuditView[]): void {
  if (entries.length === 0) {
    print('No entries.');
    return;
  }
  print(
    table(
      ['WHEN', 'WHO', 'WHAT', 'ON', 'CHANGE'],
      entries.map((entry) => [
        entry.at.slice(0, 19).replace('T', ' '),
        entry.actor,
        entry.action,
        entry.entityId,
        describeChange(entry.before, entry.after),
      ]),
    ),
  );
}

/** The fields that changed, `name: before -> after`, or the new thing's fields. */
function describeChange(before: unknown, after: unknown): string {
  const was = (before ?? {}) as Record<string, unknown>;
  const now = (after ?? {}) as Record<string, unknown>;
  return Object.keys(now)
    .filter((name) => JSON.stringify(was[name]) !== JSON.stringify(now[name]))
    .map((name) =>
      name in was
        ? `${name}: ${JSON.stringify(was[name])} -> ${JSON.stringify(now[name])}`
        : `${name}: ${JSON.stringify(now[name])}`,
    )
    .join(', ');
}

export function registerKeyLifecycleCommands(key: Command, program: Command): void {
  dataOption(
    key
      .command('renew')
      .description(
        'Renew keys for more years, all or none (ahead of the end: after the current term; expired: from today)',
      )
      .argument('<keys...>', 'license keys or their ids (lic_...)'),
  )
    .option('--years <n>', 'years to add', '1')
    .option('--json', 'print the result as JSON')
    .action(async (keys: string[], flags: StoreFlags & { years: string }) => {
      const years = wholeNumber('--years', flags.years, 1, 10);
      const renewed = await withContext(flags, async (ctx) => {
        const licenseIds = await licenseIdsOf(ctx, keys);
        return orExit(await renewLicenses(ctx, { licenseIds, years, actor: OPERATOR }));
      });
      if (flags.json) printJson({ licenses: renewed });
      else printLicenses(renewed);
    });

  dataOption(
    key
      .command('refund')
      .description('Refund a key never activated, within 30 days of its purchase: it is revoked for good')
      .argument('<key>', 'the license key or its id (lic_...)'),
  )
    .option('--json', 'print the result as JSON')
    .action(async (typed: string, flags: StoreFlags) => {
      const refunded = await onKey(typed, flags, (ctx, licenseId) =>
        refundLicense(ctx, { licenseId, actor: OPERATOR }),
      );
      if (flags.json) printJson(refunded);
      else print(`Refunded ${refunded.id}: the key is revoked and can never be activated.`);
    });

  dataOption(
    key
      .command('split')
      .description(
        'Split a key never activated into keys whose connections add up to its own; prints the new keys',
      )
      .argument('<key>', 'the license key or its id (lic_...)'),
  )
    .requiredOption('--into <connections>', "the new keys' connections, comma-separated, e.g. 3,7")
    .option('--json', 'print the result as JSON')
    .action(async (typed: string, flags: StoreFlags & { into: string }) => {
      const parts = partsOf(flags.into);
      const split = await onKey(typed, flags, (ctx, licenseId) =>
        splitLicense(ctx, { licenseId, parts, actor: OPERATOR }),
      );
      if (flags.json) printJson(split);
      else {
        print(`Split ${split.original.id} into ${split.keys.length} keys; it is retired.`);
        printLicenses(split.keys);
      }
    });

  dataOption(
    key
      .command('replace')
      .description(
        'License replacement program, within the support term: a new key; the old one stops after 7 days',
      )
      .argument('<key>', 'the license key or its id (lic_...)'),
  )
    .option('--json', 'print the result as JSON')
    .action(async (typed: string, flags: StoreFlags) => {
      const replaced = await onKey(typed, flags, (ctx, licenseId) =>
        replaceLicense(ctx, { licenseId, actor: OPERATOR }),
      );
      if (flags.json) printJson(replaced);
      else {
        print(
          `${replaced.replacement.key}\nReplacement ${replaced.replacement.id} issued; ${replaced.original.id} stops at ${replaced.original.revokedAt}.`,
        );
      }
    });

  dataOption(
    key
      .command('failover')
      .description(
        'The free failover key of a key, for an integrated standby server (one per key); prints it first',
      )
      .argument('<key>', 'the license key or its id (lic_...)'),
  )
    .option('--json', 'print the result as JSON')
    .action(async (typed: string, flags: StoreFlags) => {
      const failover = await onKey(typed, flags, (ctx, licenseId) =>
        issueFailoverKey(ctx, { licenseId, actor: OPERATOR }),
      );
      if (flags.json) printJson(failover);
      else
        print(
          `${failover.key}\nFailover key ${failover.id} for ${failover.failoverOf}: ${failover.connections} connections until ${failover.ends.slice(0, 10)}. Activate it on the standby server with: seatkeeper agent activate KEY --failover`,
        );
    });

  dataOption(
    key
      .command('transfer')
      .description(
        'Move keys to another account with their activations and terms (the old account no longer sees them)',
      )
      .argument('<keys...>', 'license keys or their ids (lic_...)'),
  )
    .requiredOption('--to <account>', 'the account to move them to: id or registered admin email')
    .requiredOption(
      '--requested-by <email>',
      'who asks: the keys’ admin email or its domain, or anyone citing --order',
    )
    .option('--order <number>', 'the order number on an older invoice of these keys (SO-...)')
    .option('--json', 'print the result as JSON')
    .action(
      async (keys: string[], flags: StoreFlags & { to: string; requestedBy: string; order?: string }) => {
        const moved = await withContext(flags, async (ctx) => {
          const licenseIds = await licenseIdsOf(ctx, keys);
          const to = orExit(await resolveAccount(ctx, flags.to));
          return orExit(
            await transferLicenses(ctx, {
              licenseIds,
              toAccountId: to.id,
              requesterEmail: flags.requestedBy,
              orderNumber: flags.order,
              actor: OPERATOR,
            }),
          );
        });
        if (flags.json) printJson({ licenses: moved });
        else printLicenses(moved);
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

  dataOption(
    program
      .command('audit')
      .description('The audit log: who changed what and when, oldest first')
      .option('--key <key>', "one key's history: the license key or its id (lic_...)")
      .option('--entity <id>', "one thing's history: an account, activation or subscription id"),
  )
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { key?: string; entity?: string }) => {
      if (flags.key !== undefined && flags.entity !== undefined)
        throw usageError('give --key or --entity, not both');
      const entries = await withContext(flags, async (ctx) => {
        const entityId = flags.key === undefined ? flags.entity : orExit(await licenseIdOf(ctx, flags.key));
        return auditTrail(ctx, { entityId });
      });
      if (flags.json) printJson({ entries });
      else printAudit(entries);
    });
}
