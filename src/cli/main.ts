import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerAgentCommands } from './agent-commands.js';
import { CliError, EXIT } from './output.js';
import { registerServiceCommands } from './service-commands.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('seatkeeper')
  .version(version)
  .description('Seatkeeper: licenses VPN servers and gateways by concurrent tunnels.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addHelpText(
    'after',
    '\nExit codes: 0 done, 1 refused by a licensing rule, 2 bad command or configuration, 3 service or store unreachable.',
  );

registerServiceCommands(program);
registerAgentCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof CliError) {
    process.stderr.write(`seatkeeper: ${error.message} (${error.code})\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`seatkeeper: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.refused;
  }
}
