import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Command } from 'commander';
import { isId } from '../domain/ids.js';
import { shownKey } from '../domain/key-status.js';
import type { ServiceContext } from '../service/context.js';
import { findLicense, type LicenseView } from '../service/licenses/operations.js';
import {
  approveRequest,
  declineRequest,
  listRequests,
  type SupportRequestView,
} from '../service/support/operations.js';
import { failoverSentence, replacedSentence, splitSentence } from './key-sentences.js';
import { orExit, print, printJson, table } from './output.js';
import {
  type ActingFlags,
  actingOption,
  dataOption,
  oneOf,
  operatorOf,
  printLicenses,
  type StoreFlags,
  usageError,
  withContext,
} from './store-access.js';

function requestId(text: string): string {
  if (!isId(text, 'tkt')) throw usageError(`a support request id looks like tkt_...; got "${text}"`);
  return text;
}

/** A customer's message on one line of a table: its line breaks and tabs as spaces. */
const oneLine = (text: string | null): string => (text === null ? '-' : text.replace(/\s+/g, ' ').trim());

function printRequests(requests: SupportRequestView[]): void {
  if (requests.length === 0) {
    print('No support requests.');
    return;
  }
  print(
    table(
      ['ID', 'OPENED', 'TYPE', 'KEY', 'BY', 'STATUS', 'MESSAGE', 'DECISION'],
      requests.map((request) => [
        request.id,
        request.createdAt.slice(0, 10),
        request.type,
        shownKey(request.keyHint),
        request.requesterEmail,
        request.status,
        oneLine(request.message),
        oneLine(request.decision),
      ]),
    ),
  );
}

/** What the approved operations that made keys stored with the request (ids of keys). */
const Outcomes = {
  split: Type.Object({ original: Type.String(), keys: Type.Array(Type.String()) }),
  replacement: Type.Object({ original: Type.String(), replacement: Type.String() }),
  failover: Type.String(),
  transfer: Type.Array(Type.String()),
};

/** The keys an approval made or changed, as they are now: its sentence, and the new keys to list. */
async function approvalSentence(
  ctx: ServiceContext,
  request: SupportRequestView,
): Promise<{ sentence: string; keys: LicenseView[] }> {
  const view = async (id: string) => {
    const license = await findLicense(ctx, id);
    if (license === undefined) throw new Error(`the approval changed ${id} but it cannot be read back`);
    return license;
  };
  const key = shownKey(request.keyHint);
  const { outcome } = request;
  const said = (sentence: string, keys: LicenseView[] = []) => ({ sentence, keys });
  switch (request.type) {
    case 'refund':
      return said(`refunded ${key}; it is revoked and can never be activated.`);
    case 'split': {
      if (!Value.Check(Outcomes.split, outcome)) break;
      const keys = await Promise.all(outcome.keys.map(view));
      return said(splitSentence(await view(outcome.original), keys), keys);
    }
    case 'replacement':
      if (!Value.Check(Outcomes.replacement, outcome)) break;
      return said(replacedSentence(await view(outcome.original), await view(outcome.replacement)));
    case 'failover':
      if (!Value.Check(Outcomes.failover, outcome)) break;
      return said(failoverSentence(await view(outcome), request.keyHint));
    case 'transfer': {
      if (!Value.Check(Outcomes.transfer, outcome)) break;
      const moved = await Promise.all(outcome.map(view));
      return said(`moved ${key} to the account ${moved[0]?.accountId}; the old account no longer sees it.`);
    }
  }
  return said(`${request.type} of ${key} done.`);
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

  actingOption(
    dataOption(
      request
        .command('approve')
        .description('Approve a request: its operation runs now, in the same transaction')
        .argument('<id>', 'the request id (tkt_...)'),
    ),
  )
    .option('--json', 'print the whole request as JSON')
    .action(async (id: string, flags: ActingFlags) => {
      const { approved, said } = await withContext(flags, async (ctx) => {
        const actor = await operatorOf(ctx, flags);
        const approved = orExit(await approveRequest(ctx, { id: requestId(id), actor }));
        return { approved, said: flags.json ? undefined : await approvalSentence(ctx, approved) };
      });
      if (said === undefined) printJson(approved);
      else {
        // One sentence: what the operation says of itself, after the request it ran for.
        const sentence = said.sentence.charAt(0).toLowerCase() + said.sentence.slice(1);
        print(`Approved request ${approved.id}: ${sentence}`);
        if (said.keys.length > 0) printLicenses(said.keys);
      }
    });

  actingOption(
    dataOption(
      request
        .command('decline')
        .description('Decline a request with a reason the requester reads')
        .argument('<id>', 'the request id (tkt_...)'),
    ),
  )
    .requiredOption('--reason <text>', 'why, in words for the requester')
    .option('--json', 'print the whole request as JSON')
    .action(async (id: string, flags: ActingFlags & { reason: string }) => {
      const declined = await withContext(flags, async (ctx) => {
        const actor = await operatorOf(ctx, flags);
        return orExit(await declineRequest(ctx, { id: requestId(id), actor, reason: flags.reason }));
      });
      if (flags.json) printJson(declined);
      else
        print(
          `Declined request ${declined.id} (${declined.type} of ${shownKey(declined.keyHint)}): ${declined.decision}`,
        );
    });
}
