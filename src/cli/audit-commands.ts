import type { Command } from 'commander';
import { type AuditView, auditTrail } from '../service/audit/log.js';
import { emailsOf } from '../service/auth/user-repository.js';
import { orExit, print, printJson, table } from './output.js';
import { dataOption, licenseIdOf, type StoreFlags, usageError, withContext } from './store-access.js';

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

/** The log as a table; a user who acted is named by their email, a server or OS user as recorded. */
function printAudit(entries: AuditView[], emails: Map<string, string>): void {
  if (entries.length === 0) {
    print('No entries.');
    return;
  }
  print(
    table(
      ['WHEN', 'WHO', 'WHAT', 'ON', 'CHANGE'],
      entries.map((entry) => [
        entry.at.slice(0, 19).replace('T', ' '),
        emails.get(entry.actor) ?? entry.actor,
        entry.action,
        entry.entityId,
        describeChange(entry.before, entry.after),
      ]),
    ),
  );
}

export function registerAuditCommand(program: Command): void {
  dataOption(
    program
      .command('audit')
      .description('The audit log: who changed what and when, oldest first')
      .option(
        '--key <key>',
        "one key's history, its activations included: the license key or its id (lic_...)",
      )
      .option('--entity <id>', "one thing's history: an account, activation or subscription id"),
  )
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { key?: string; entity?: string }) => {
      if (flags.key !== undefined && flags.entity !== undefined)
        throw usageError('give --key or --entity, not both');
      const { entries, emails } = await withContext(flags, async (ctx) => {
        const licenseId = flags.key === undefined ? undefined : orExit(await licenseIdOf(ctx, flags.key));
        const entries = await auditTrail(ctx, { entityId: flags.entity, licenseId });
        const actors = [...new Set(entries.map((entry) => entry.actor))].filter((actor) =>
          actor.startsWith('usr_'),
        );
        return { entries, emails: await emailsOf(ctx.store.db, actors) };
      });
      if (flags.json) printJson({ entries });
      else printAudit(entries, emails);
    });
}
