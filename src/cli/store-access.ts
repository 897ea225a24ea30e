import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { systemClock } from '../domain/clock.js';
import { normalizeEmail } from '../domain/email.js';
import { ok, type Result } from '../domain/errors.js';
import { isId } from '../domain/ids.js';
import { resolveAccount } from '../service/accounts/operations.js';
import type { Principal } from '../service/auth/principal.js';
import { findStaff } from '../service/auth/staff.js';
import { ConfigError, loadServiceConfig, parseDuration, type ServiceFlags } from '../service/config.js';
import type { ServiceContext } from '../service/context.js';
import { findLicenseByKey, type LicenseView } from '../service/licenses/operations.js';
import { CliError, EXIT, orExit, print, table } from './output.js';

/** What the service-side commands share: the store they work on, flag parsing, key tables. */

export interface StoreFlags extends ServiceFlags {
  json?: boolean;
}

/** A command that changes something: who acts is written to the audit log. */
export interface ActingFlags extends StoreFlags {
  as?: string;
}

/** The `--as` option of a command that changes something. */
export const actingOption = (command: Command): Command =>
  command.option(
    '--as <email>',
    'the vendor-staff user acting, for the audit log (env SEATKEEPER_OPERATOR); the OS user by default',
  );

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // A container may run under a user id with no name.
    return process.env.USER ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

/**
 * Who acts at the command line, for the audit log: the staff user `--as` or SEATKEEPER_OPERATOR
 * names (recorded by their user id, as the API records staff), else the OS user running it.
 */
export async function operatorOf(ctx: ServiceContext, flags: { as?: string | undefined }): Promise<string> {
  const fromEnv = process.env.SEATKEEPER_OPERATOR?.trim() || undefined;
  const source = flags.as !== undefined ? '--as' : 'SEATKEEPER_OPERATOR';
  const named = flags.as ?? fromEnv;
  if (named === undefined) return osUser();
  const email = normalizeEmail(named, source);
  if (!email.ok) throw usageError(`${source} names the vendor-staff user acting: ${email.error.detail}`);
  const staff = await findStaff(ctx, email.value);
  if (!staff.ok) throw new CliError(`${source}: ${staff.error.detail}`, EXIT.usage, staff.error.code);
  return staff.value.userId;
}

/** Reads act as staff. */
export const READER: Principal = { kind: 'staff', userId: 'operator' };

/** A change is recorded as made by the operator (`--as`), acting as vendor staff. */
export const actingAs = async (ctx: ServiceContext, flags: ActingFlags): Promise<Principal> => ({
  kind: 'staff',
  userId: await operatorOf(ctx, flags),
});

/** The example lines `--help` ends with. */
export const example = (...lines: string[]) => `\nExample:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;

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

/** A key's status as a person reads it: why a revoked key stopped, what a failover key stands in for. */
export function statusText(license: Pick<LicenseView, 'status' | 'statusReason'>): string {
  const status = license.status.replace('_', ' ');
  if (license.statusReason === null) return status;
  return license.status === 'revoked' ? license.statusReason : `${status}, ${license.statusReason}`;
}

/** When the key stops: the end of its term, or sooner when it was refunded, split or replaced. */
const endOf = (license: LicenseView): string =>
  (license.revokedAt !== null && license.revokedAt < license.ends ? license.revokedAt : license.ends).slice(
    0,
    10,
  );

export function printLicenses(licenses: LicenseView[]): void {
  print(
    table(
      ['ID', 'ACCOUNT', 'KEY', 'CONNECTIONS', 'STATUS', 'ENDS', 'SERVER'],
      licenses.map((l) => [
        l.id,
        l.accountId,
        l.key,
        String(l.connections),
        statusText(l),
        endOf(l),
        l.server ? `${l.server.serverId} (${l.server.hostname})` : '-',
      ]),
    ),
  );
}

/** A key as typed (any case, dashes optional) or its id (lic_...). */
export async function licenseIdOf(ctx: ServiceContext, text: string): Promise<Result<string>> {
  if (isId(text, 'lic')) return ok(text);
  const found = await findLicenseByKey(ctx.store.db, text);
  return found.ok ? ok(found.value.id) : found;
}
