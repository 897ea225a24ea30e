import type { Command } from 'commander';
import type { GatewayLicense } from '../contract/gateways.js';
import type { Result } from '../domain/errors.js';
import type { Principal } from '../service/auth/principal.js';
import type { ServiceContext } from '../service/context.js';
import { addKey, issueGatewayKey, previewKey } from '../service/gateways/keys.js';
import {
  associateLicense,
  listLicenses,
  moveLicense,
  showLicense,
  undoAssociation,
} from '../service/gateways/licenses.js';
import { shareLicense, undoShare } from '../service/gateways/sharing.js';
import { idOf } from './gateway-commands.js';
import { printLicenses } from './gateway-output.js';
import { example, orExit, print, printJson } from './output.js';
import {
  type ActingFlags,
  accountFilter,
  actingAs,
  actingOption,
  dataOption,
  READER,
  type StoreFlags,
  wholeNumber,
  withContext,
} from './store-access.js';

/** `seatkeeper gateway-license ...`: gateway license keys and the licenses they unzip into. */

type Change = (
  ctx: ServiceContext,
  principal: Principal,
  licenseId: string,
) => Promise<Result<GatewayLicense>>;

export function registerGatewayLicenseCommands(program: Command): void {
  const licenses = program
    .command('gateway-license')
    .description('Gateway licenses (SecuPoint VPN Client, Pro): keys, association with devices, sharing');

  actingOption(
    dataOption(
      licenses
        .command('issue')
        .description('Issue a gateway license key to an account (what a paid order does)')
        .requiredOption('--account <account>', 'the account (id or registered email)')
        .requiredOption('--sku <sku>', 'the license model, e.g. SPC-1YR-LIC')
        .option('--quantity <n>', 'licenses the key holds', '1'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      example('seatkeeper gateway-license issue --account admin@example.com --sku SPC-1YR-LIC'),
    )
    .action(async (flags: ActingFlags & { account: string; sku: string; quantity: string }) => {
      const quantity = wholeNumber('--quantity', flags.quantity, 1, 10_000);
      const issued = await withContext(flags, async (ctx) => {
        const accountId = await accountFilter(ctx, flags.account);
        return orExit(
          await issueGatewayKey(ctx, await actingAs(ctx, flags), {
            accountId: accountId ?? '',
            sku: flags.sku,
            quantity,
          }),
        );
      });
      if (flags.json) printJson(issued);
      else print(`Issued ${issued.key}: ${issued.preview.summary}.`);
    });

  dataOption(
    licenses
      .command('preview')
      .description('What a key holds, to check before adding it to an organization')
      .argument('<key>', 'the license key as delivered'),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper gateway-license preview ABCD-EFGH-JKLM-NPQR-STUV'))
    .action(async (key: string, flags: StoreFlags) => {
      const preview = await withContext(flags, async (ctx) => orExit(await previewKey(ctx, READER, key)));
      if (flags.json) printJson(preview);
      else
        print(
          `${preview.summary}: ${preview.totalUsers} VPN users in all${preview.added ? `; added to ${preview.addedTo ?? 'an organization'} already` : ''}.`,
        );
    });

  actingOption(
    dataOption(
      licenses
        .command('add')
        .description('Add license: apply a key to an organization, which unzips it into its licenses, once')
        .argument('<organization>', 'the organization id (org_...)')
        .argument('<key>', 'the license key as delivered'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper gateway-license add org_... ABCD-EFGH-JKLM-NPQR-STUV'))
    .action(async (organization: string, key: string, flags: ActingFlags) => {
      const added = await withContext(flags, async (ctx) =>
        orExit(await addKey(ctx, await actingAs(ctx, flags), idOf('org', organization), key)),
      );
      if (flags.json) printJson(added);
      else print(`Added ${added.preview.summary} to ${organization}: ${added.licenseIds.join(', ')}`);
    });

  dataOption(
    licenses
      .command('list')
      .description('An organization’s licenses: model, device, Merging or Merged, status, end, replicas')
      .argument('<organization>', 'the organization id (org_...)'),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper gateway-license list org_...'))
    .action(async (organization: string, flags: StoreFlags) => {
      const listed = await withContext(flags, async (ctx) =>
        orExit(await listLicenses(ctx, READER, idOf('org', organization))),
      );
      if (flags.json) printJson({ licenses: listed });
      else printLicenses(listed);
    });

  dataOption(licenses.command('show').description('One gateway license').argument('<license>', 'gwl_...'))
    .option('--json', 'print the result as JSON')
    .action(async (id: string, flags: StoreFlags) => {
      const shown = await withContext(flags, async (ctx) =>
        orExit(await showLicense(ctx, READER, idOf('gwl', id))),
      );
      if (flags.json) printJson(shown);
      else printLicenses([shown]);
    });

  /** A command that changes one license and prints it as it is afterwards. */
  const change = (
    name: string,
    description: string,
    sentence: (license: GatewayLicense) => string,
    configure: (command: Command) => Command,
    act: (flags: ActingFlags & Record<string, string>) => Change,
    help: string,
  ) =>
    configure(
      actingOption(
        dataOption(licenses.command(name).description(description).argument('<license>', 'gwl_...')),
      ),
    )
      .option('--json', 'print the result as JSON')
      .addHelpText('after', example(help))
      .action(async (id: string, flags: ActingFlags & Record<string, string>) => {
        const changed = await withContext(flags, async (ctx) =>
          orExit(await act(flags)(ctx, await actingAs(ctx, flags), idOf('gwl', id))),
        );
        if (flags.json) printJson(changed);
        else print(sentence(changed));
      });

  change(
    'associate',
    'Associate a license with a gateway: its term starts now; Merging for 7 days, when it can be undone',
    (l) =>
      `Associated ${l.id} (${l.sku}) with ${l.deviceId}: ${l.status} until ${l.ends?.slice(0, 10)}, Merging until ${l.mergesAt?.slice(0, 10)}.`,
    (command) => command.requiredOption('--device <device>', 'the gateway (dev_...)'),
    (flags) => (ctx, principal, id) => associateLicense(ctx, principal, id, idOf('dev', flags.device ?? '')),
    'seatkeeper gateway-license associate gwl_... --device dev_...',
  );
  change(
    'undo',
    'Undo an association within its 7 Merging days: the license goes back to the inventory',
    (l) => `Undone: ${l.id} is in the inventory again; its term still ends on ${l.ends?.slice(0, 10)}.`,
    (command) => command,
    () => undoAssociation,
    'seatkeeper gateway-license undo gwl_...',
  );
  change(
    'move',
    'Move an unassociated license to another organization you administer',
    (l) => `Moved ${l.id} to ${l.organizationId}.`,
    (command) => command.requiredOption('--to <organization>', 'the organization it moves to (org_...)'),
    (flags) => (ctx, principal, id) => moveLicense(ctx, principal, id, idOf('org', flags.to ?? '')),
    'seatkeeper gateway-license move gwl_... --to org_...',
  );
  change(
    'share',
    'Share a license of more than 100 users with up to 2 more gateways of its organization',
    (l) =>
      `${l.id} (${l.users} users) is shared by ${l.deviceId} and ${l.replicas.join(', ')}: together they never hold more than ${l.users}.`,
    (command) =>
      command.requiredOption('--devices <devices>', 'the gateways, comma-separated (dev_...,dev_...)'),
    (flags) => (ctx, principal, id) =>
      shareLicense(
        ctx,
        principal,
        id,
        (flags.devices ?? '').split(',').map((device) => idOf('dev', device.trim())),
      ),
    'seatkeeper gateway-license share gwl_... --devices dev_B...,dev_C...',
  );
  change(
    'unshare',
    'Undo a replica: the gateway leaves the shared license’s pool',
    (l) => `${l.id} is shared with ${l.replicas.join(', ') || 'no other gateway'} now.`,
    (command) => command.requiredOption('--device <device>', 'the gateway holding the replica (dev_...)'),
    (flags) => (ctx, principal, id) => undoShare(ctx, principal, id, idOf('dev', flags.device ?? '')),
    'seatkeeper gateway-license unshare gwl_... --device dev_...',
  );
}
