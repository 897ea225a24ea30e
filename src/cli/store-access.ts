import type { Command } from 'commander';
import { systemClock } from '../domain/clock.js';
import { normalizeEmail } from '../domain/email.js';
import { resolveAccount } from '../service/accounts/operations.js';
import { ConfigError, loadServiceConfig, parseDuration, type ServiceFlags } from '../service/config.js';
import type { ServiceContext } from '../service/context.js';
import type { LicenseView } from '../service/licenses/operations.js';
import { CliError, EXIT, orExit, print, table } from './output.js';

/** What the service-side commands share: the store they work on, flag parsing, key tables. */

/** At the command line the operator acts; the audit log says so. */
export const OPERATOR = 'operator';

export interface StoreFlags extends ServiceFlags {
  json?: boolean;
}

export function config(flags: ServiceFlags) {
  try {
    return loadServiceConfig(flags, process.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage, 'config_invalid');
    throw error;
  }
}

/** Runs an admin operation directly on the store the service uses (same --data / DATABASE_URL). */
export async function withContext<T>(
  flags: ServiceFlags,
  run: (ctx: ServiceContext) => Promise<T>,
): Promise<T> {
  // Loaded here, not at the top: the store's drivers would slow `--help` and the agent commands.
  const { openContext } = await import('../service/runtime.js');
  const ctx = await openContext(config(flags), systemClock).catch((error: unknown) => {
    throw new CliError(
      `cannot open the store: ${(error as Error).message}`,
      EXIT.unavailable,
      'store_unavailable',
    );
  });
  try {
    return await run(ctx);
  } finally {
    await ctx.store.close();
  }
}

export const usageError = (message: string): CliError =>
  new CliError(message, EXIT.usage, 'validation_failed');

export function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw usageError(`${flag} must be a whole number from ${min} to ${max}; got "${text}"`);
  return value;
}

export function oneOf<const T extends string>(flag: string, text: string, choices: readonly T[]): T {
  const choice = choices.find((candidate) => candidate === text);
  if (choice === undefined) throw usageError(`${flag} must be one of ${choices.join(', ')}; got "${text}"`);
  return choice;
}

export function durationOf(flag: string, text: string): number {
  try {
    return parseDuration(text, flag);
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

export const emailOf = (input: string): string => orExit(normalizeEmail(input));

/** The id of the account an optional `--account` names (id or registered admin email). */
export const accountFilter = async (ctx: ServiceContext, account: string | undefined) =>
  account === undefined ? undefined : orExit(await resolveAccount(ctx, account)).id;

export const dataOption = (command: Command): Command =>
  command
    .option('--data <dir>', 'data directory (env SEATKEEPER_DATA)', undefined)
    .addHelpText(
      'after',
      '\nSet DATABASE_URL=postgres://... to use PostgreSQL instead of the SQLite file in the data directory.',
    );

export function printLicenses(licenses: LicenseView[]): void {
  print(
    table(
      ['ID', 'KEY', 'CONNECTIONS', 'STATUS', 'TERM ENDS', 'SERVER'],
      licenses.map((l) => [
        l.id,
        l.key,
        String(l.connections),
        l.status.replace('_', ' '),
        l.ends.slice(0, 10),
        l.server ? `${l.server.serverId} (${l.server.hostname})` : '-',
      ]),
    ),
  );
}
