import type { Command } from 'commander';
import type { IdPrefix } from '../domain/ids.js';
import { isId } from '../domain/ids.js';
import {
  inventory,
  moveDevice,
  registerDevice,
  replaceDevice,
  showDevice,
} from '../service/gateways/devices.js';
import { createEnrollment } from '../service/gateways/enrollment.js';
import {
  addOrganizationAdmin,
  createOrganization,
  listOrganizations,
  showOrganization,
} from '../service/gateways/organizations.js';
import { printDevicePage, printDevices } from './gateway-output.js';
import { example, orExit, print, printJson, table } from './output.js';
import {
  type ActingFlags,
  accountFilter,
  actingAs,
  actingOption,
  dataOption,
  READER,
  type StoreFlags,
  usageError,
  withContext,
} from './store-access.js';

/** `seatkeeper org ...` and `seatkeeper device ...`: organizations and their gateways, as vendor staff. */

const NAMES: Partial<Record<IdPrefix, string>> = {
  org: 'an organization id looks like org_...',
  dev: 'a device id looks like dev_...',
  gwl: 'a gateway license id looks like gwl_...',
};

/** An id typed on the command line, checked before anything is read. */
export function idOf(prefix: IdPrefix, text: string): string {
  if (!isId(text, prefix))
    throw usageError(`${NAMES[prefix] ?? `an id looks like ${prefix}_...`}; got "${text}"`);
  return text;
}

export function registerGatewayCommands(program: Command): void {
  const org = program
    .command('org')
    .description('Organizations: the gateways and licenses of a customer, managed by its administrators');

  actingOption(
    dataOption(
      org
        .command('create')
        .description('Create an organization in an account')
        .requiredOption('--account <account>', 'the account (id or registered email)')
        .requiredOption('--name <name>', 'the organization’s name'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper org create --account admin@example.com --name "Head office"'))
    .action(async (flags: ActingFlags & { account: string; name: string }) => {
      const created = await withContext(flags, async (ctx) =>
        orExit(
          await createOrganization(ctx, await actingAs(ctx, flags), {
            accountId: await accountFilter(ctx, flags.account),
            name: flags.name,
          }),
        ),
      );
      if (flags.json) printJson(created);
      else print(`Created organization ${created.name} (${created.id}).`);
    });

  dataOption(org.command('list').description('Organizations, of every account or of one'))
    .option('--account <account>', 'only this account’s (id or registered email)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper org list --account admin@example.com'))
    .action(async (flags: StoreFlags & { account?: string }) => {
      const organizations = await withContext(flags, async (ctx) =>
        listOrganizations(ctx, READER, {
          accountId: await accountFilter(ctx, flags.account),
        }),
      );
      if (flags.json) printJson({ organizations });
      else if (organizations.length === 0)
        print('No organizations yet: create one with `seatkeeper org create`.');
      else
        print(
          table(
            ['ORGANIZATION', 'NAME', 'ACCOUNT', 'DEVICES', 'LICENSES'],
            organizations.map((o) => [o.id, o.name, o.accountId, String(o.devices), String(o.licenses)]),
          ),
        );
    });

  actingOption(
    dataOption(
      org
        .command('add-admin')
        .description('Make a user of the account an administrator of the organization')
        .argument('<organization>', 'the organization id (org_...)')
        .argument('<user>', 'the user id (usr_...)'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper org add-admin org_... usr_...'))
    .action(async (organization: string, user: string, flags: ActingFlags) => {
      const shown = await withContext(flags, async (ctx) =>
        orExit(
          await addOrganizationAdmin(
            ctx,
            await actingAs(ctx, flags),
            idOf('org', organization),
            idOf('usr', user),
          ),
        ),
      );
      if (flags.json) printJson(shown);
      else print(`${user} administers ${shown.name} (${shown.id}) now.`);
    });

  dataOption(org.command('show').description('One organization').argument('<organization>', 'org_...'))
    .option('--json', 'print the result as JSON')
    .action(async (organization: string, flags: StoreFlags) => {
      const shown = await withContext(flags, async (ctx) =>
        orExit(await showOrganization(ctx, READER, idOf('org', organization))),
      );
      if (flags.json) printJson(shown);
      else
        print(
          `${shown.name} (${shown.id}), account ${shown.accountId}: ${shown.devices} devices, ${shown.licenses} licenses`,
        );
    });

  const device = program
    .command('device')
    .description('Gateways in an organization’s inventory: register, list, the device page, move, replace');

  actingOption(
    dataOption(
      device
        .command('register')
        .description('Register a gateway in an organization’s inventory')
        .argument('<organization>', 'the organization id (org_...)')
        .requiredOption('--name <name>', 'the device’s name')
        .requiredOption('--model <model>', 'the model, e.g. ESG510')
        .requiredOption('--serial <serial>', 'the serial number')
        .requiredOption('--mac <mac>', 'the MAC address, e.g. 88:DC:96:12:34:56'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      example(
        'seatkeeper device register org_... --name "HQ gateway" --model ESG510 --serial ESG5100001 --mac 88:DC:96:12:34:56',
      ),
    )
    .action(
      async (
        organization: string,
        flags: ActingFlags & { name: string; model: string; serial: string; mac: string },
      ) => {
        const registered = await withContext(flags, async (ctx) =>
          orExit(
            await registerDevice(ctx, await actingAs(ctx, flags), idOf('org', organization), {
              name: flags.name,
              model: flags.model,
              serialNumber: flags.serial,
              mac: flags.mac,
            }),
          ),
        );
        if (flags.json) printJson(registered);
        else
          print(
            `Registered ${registered.name} (${registered.id}): ${registered.vpnSeats} VPN seats, the built-in ones.`,
          );
      },
    );

  dataOption(
    device
      .command('list')
      .description('The device list, headed by the earliest expiry and the devices expired or expiring')
      .argument('<organization>', 'the organization id (org_...)'),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper device list org_...'))
    .action(async (organization: string, flags: StoreFlags) => {
      const listed = await withContext(flags, async (ctx) =>
        orExit(await inventory(ctx, READER, idOf('org', organization))),
      );
      if (flags.json) {
        printJson(listed);
        return;
      }
      const { summary } = listed;
      print(
        `Earliest expiry: ${summary.earliestExpiry?.slice(0, 10) ?? '-'}; expired: ${summary.expired}; expiring within 30 days: ${summary.expiringWithin30Days}`,
      );
      printDevices(listed.devices);
    });

  dataOption(
    device
      .command('show')
      .description(
        'The device page: the "SecuPoint VPN Client" maximum, its license status, every license bound',
      )
      .argument('<device>', 'the device id (dev_...)'),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper device show dev_...'))
    .action(async (id: string, flags: StoreFlags) => {
      const page = await withContext(flags, async (ctx) =>
        orExit(await showDevice(ctx, READER, idOf('dev', id))),
      );
      if (flags.json) printJson(page);
      else printDevicePage(page);
    });

  actingOption(
    dataOption(
      device
        .command('enrollment')
        .description(
          'A one-time code for `seatkeeper agent enroll` on the gateway, valid 24 hours; a new one replaces it',
        )
        .argument('<device>', 'the device id (dev_...)'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper device enrollment dev_...'))
    .action(async (id: string, flags: ActingFlags) => {
      const enrollment = await withContext(flags, async (ctx) =>
        orExit(await createEnrollment(ctx, await actingAs(ctx, flags), idOf('dev', id))),
      );
      if (flags.json) printJson(enrollment);
      else {
        print(enrollment.code);
        print(
          `Give it to the gateway before ${enrollment.expiresAt}: seatkeeper agent enroll --service URL --code CODE`,
        );
      }
    });

  actingOption(
    dataOption(
      device
        .command('move')
        .description('Move a device, with every license associated with it, to another organization')
        .argument('<device>', 'the device id (dev_...)')
        .requiredOption('--to <organization>', 'the organization it moves to (org_...)'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper device move dev_... --to org_...'))
    .action(async (id: string, flags: ActingFlags & { to: string }) => {
      const moved = await withContext(flags, async (ctx) =>
        orExit(await moveDevice(ctx, await actingAs(ctx, flags), idOf('dev', id), idOf('org', flags.to))),
      );
      if (flags.json) printJson(moved);
      else
        print(
          `Moved ${moved.name} (${moved.id}) to ${moved.organizationId} with its licenses: ${moved.vpnSeats} VPN seats.`,
        );
    });

  actingOption(
    dataOption(
      device
        .command('replace')
        .description('Replace a failed device: all its licenses and replicas go to the new one in one step')
        .argument('<device>', 'the failed device (dev_...)')
        .requiredOption('--with <device>', 'the replacement, registered in the same organization (dev_...)'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper device replace dev_OLD... --with dev_NEW...'))
    .action(async (id: string, flags: ActingFlags & { with: string }) => {
      const page = await withContext(flags, async (ctx) =>
        orExit(
          await replaceDevice(ctx, await actingAs(ctx, flags), idOf('dev', id), idOf('dev', flags.with)),
        ),
      );
      if (flags.json) printJson(page);
      else {
        print(`Replaced ${id}: its licenses are on ${page.device.name} (${page.device.id}) now.`);
        printDevicePage(page);
      }
    });
}
