import type { Command } from 'commander';
import { resolveAccount } from '../service/accounts/operations.js';
import { passwordLinkFor, passwordLinkPath } from '../service/auth/password-links.js';
import { example, orExit, print, printJson } from './output.js';
import {
  type ActingFlags,
  actingOption,
  dataOption,
  emailOf,
  operatorOf,
  withContext,
} from './store-access.js';

/** `seatkeeper user`: what an operator does for people who sign in to the pages. */
export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('People who sign in to the portal and the console');
  actingOption(
    dataOption(
      user
        .command('password-link')
        .description(
          'Print a one-use link that lets a user set their password (an invitation before their first, a reset after): for a service that sends no email',
        ),
    ),
  )
    .requiredOption('--email <email>', 'the user’s email')
    .option(
      '--account <account>',
      'the account (acc_... or its registered email), when the email is a user of several',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper user password-link --email admin@example.com'))
    .action(async (flags: ActingFlags & { email: string; account?: string; json?: boolean }) => {
      const made = await withContext(flags, async (ctx) => {
        const accountId =
          flags.account === undefined ? undefined : orExit(await resolveAccount(ctx, flags.account)).id;
        const link = orExit(
          await passwordLinkFor(ctx, {
            email: emailOf(flags.email),
            accountId,
            actor: await operatorOf(ctx, flags),
          }),
        );
        return {
          ...link,
          url: `${ctx.policy.publicUrl ?? 'http://127.0.0.1:8080'}${passwordLinkPath(link.token)}`,
        };
      });
      if (flags.json)
        printJson({ url: made.url, email: made.email, purpose: made.purpose, expiresAt: made.expiresAt });
      else
        print(
          `${made.url}\nGive this link to ${made.email}: it sets their password once, until ${made.expiresAt.slice(0, 16).replace('T', ' ')} UTC.`,
        );
    });
}
