import { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { registerAgentCommands } from './agent-commands.js';
import { registerCatalogCommands } from './catalog-commands.js';
import { registerGatewayCommands } from './gateway-commands.js';
import { registerGatewayLicenseCommands } from './gateway-license-commands.js';
import { registerInvoiceCommands } from './invoice-commands.js';
import { registerOrderCommands } from './order-commands.js';
import { registerReminderCommands } from './reminder-commands.js';
import { registerRequestCommands } from './request-commands.js';
import { registerServiceCommands } from './service-commands.js';
import { registerUserCommands } from './user-commands.js';

/** The `seatkeeper` command with all its subcommands: what main.ts runs and the tests walk. */
export function createProgram(): Command {
  const program = new Command('seatkeeper')
    .version(packageJson.version)
    .description('Seatkeeper: licenses VPN servers and gateways by concurrent tunnels.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 refused by a licensing rule, 2 bad command or configuration, 3 service or store unreachable, 4 unexpected error.',
    );
  registerServiceCommands(program);
  registerUserCommands(program);
  registerRequestCommands(program);
  registerReminderCommands(program);
  registerInvoiceCommands(program);
  registerCatalogCommands(program);
  registerOrderCommands(program);
  registerGatewayCommands(program);
  registerGatewayLicenseCommands(program);
  registerAgentCommands(program);
  return program;
}
