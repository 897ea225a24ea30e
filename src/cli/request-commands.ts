import type { Command } from 'commander';
import { isId } from '../domain/ids.js';
import {
  approveRequest,
  declineRequest,
  listRequests,
  type SupportRequestView,
} from '../service/support/operations.js';
import { orExit, print, printJson, table } from './output.js';
import { dataOption, OPERATOR, oneOf, type StoreFlags, usageError, withContext } from './store-access.js';

function requestId(text: string): string {
  if (!isId(text, 'tkt')) throw usageError(`a support request id looks like tkt_...; got "${text}"`);
  return text;
}

function printRequests(requests: SupportRequestView[]): void {
  if (requests.length === 0) {
    print('No support requests.');
    return;
  }
  print(
    table(
      ['ID', 'OPENED', 'TYPE', 'KEY', 'BY', 'STATUS', 'MESSAGE'],
      requests.map((request) => [
        request.id,
        request.createdAt.slice(0, 10),
        request.type,
        request.licenseId,
        request.requesterEmail,
        request.status,
        request.decision ?? request.message,
      ]),
    ),
  );
}

/** Staff's side of the ticketing system: the queue, and deciding requests. */
export function registerRequestCommands(program: Command): void {
  const request = program
    .command('request')
    .description('Support requests: the queue, approvals and declines');

  dataOption(
    request.command('list').description('Support requests, oldest first (the open ones with --open)'),
  )
    .option('--status <status>', 'open, approved or declined')
    .option('--open', 'only the open ones: the queue')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { status?: string; open?: boolean }) => {
      const status = flags.open
        ? 'open'
        : flags.status === undefined
          ? undefined
          : oneOf('--status', flags.status, ['open', 'approved', 'declined'] as const);
      const requests = await withContext(flags, (ctx) => listRequests(ctx, { status }));
      if (flags.json) printJson({ requests });
      else printRequests(requests);
    });

  dataOption(
    request
      .command('approve')
      .description('Approve a request: its operation runs now, in the same transaction')
      .argument('<id>', 'the request id (tkt_...)'),
  )
    .option('--json', 'print the result as JSON')
    .action(async (id: string, flags: StoreFlags) => {
      const approved = await withContext(flags, async (ctx) =>
        orExit(await approveRequest(ctx, { id: requestId(id), actor: OPERATOR })),
      );
      if (flags.json) printJson(approved);
      else print(`Approved ${approved.id} (${approved.type}): ${JSON.stringify(approved.outcome)}`);
    });

  dataOption(
    request
      .command('decline')
      .description('Decline a request with a reason the requester reads')
      .argument('<id>', 'the request id (tkt_...)'),
  )
    .requiredOption('--reason <text>', 'why, in words for the requester')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, flags: StoreFlags & { reason: string }) => {
      const declined = await withContext(flags, async (ctx) =>
        orExit(await declineRequest(ctx, { id: requestId(id), actor: OPERATOR, reason: flags.reason })),
      );
      if (flags.json) printJson(declined);
      else print(`Declined ${declined.id}: ${declined.decision}`);
    });
}
