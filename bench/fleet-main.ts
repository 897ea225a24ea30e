import { Command } from 'commander';
import { DEFAULT_FLEET, runFleet } from './fleet.js';
import { DEFAULT_GATEWAY_FLEET, runGatewayFleet } from './gateway-fleet.js';

/**
 * `npm run fleet -- --servers N --seats S --events E --mode reconcile|lease`: one JSON report.
 * `npm run fleet -- --gateway [--gateways 3] --events E`: gateways sharing a 150-user license.
 */
const whole = (name: string) => (text: string) => {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1)
    throw new Error(`${name} must be a whole number of at least 1; got "${text}"`);
  return value;
};

const program = new Command('fleet')
  .description('Drive the real service over HTTP with simulated servers sharing one subscription')
  .option('--servers <n>', 'simulated servers', whole('--servers'), DEFAULT_FLEET.servers)
  .option('--seats <n>', 'connections in the pool', whole('--seats'), DEFAULT_FLEET.seats)
  .option('--events <n>', 'connect and disconnect events', whole('--events'), DEFAULT_FLEET.events)
  .option(
    '--concurrency <n>',
    'events each server has in progress at once',
    whole('--concurrency'),
    DEFAULT_FLEET.concurrency,
  )
  .option('--mode <mode>', 'reconcile or lease', DEFAULT_FLEET.mode)
  .option(
    '--gateway',
    'EnGenius/SecuPoint gateways sharing one 150-user license (lease mode) instead of servers',
  )
  .option(
    '--gateways <n>',
    'with --gateway: gateways sharing the license (1 to 3)',
    whole('--gateways'),
    DEFAULT_GATEWAY_FLEET.gateways,
  )
  .option(
    '--heartbeat-ms <n>',
    'heartbeat interval of every server',
    whole('--heartbeat-ms'),
    DEFAULT_FLEET.heartbeatMs,
  )
  .option(
    '--rate <n>',
    'events per second at most (default: as fast as they go)',
    whole('--rate'),
    DEFAULT_FLEET.rate,
  )
  .parse();

const flags = program.opts<{
  servers: number;
  seats: number;
  events: number;
  mode: string;
  heartbeatMs: number;
  concurrency: number;
  rate: number;
  gateway?: boolean;
  gateways: number;
}>();
if (flags.gateway === true) {
  const events =
    program.getOptionValueSource('events') === 'cli' ? flags.events : DEFAULT_GATEWAY_FLEET.events;
  const concurrency =
    program.getOptionValueSource('concurrency') === 'cli'
      ? flags.concurrency
      : DEFAULT_GATEWAY_FLEET.concurrency;
  const report = await runGatewayFleet({
    ...DEFAULT_GATEWAY_FLEET,
    gateways: flags.gateways,
    events,
    concurrency,
    rate: flags.rate,
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(report.overLicense === 0 ? 0 : 1);
}
if (flags.mode !== 'reconcile' && flags.mode !== 'lease') {
  process.stderr.write(`fleet: --mode must be reconcile or lease; got "${flags.mode}"\n`);
  process.exit(2);
}
const report = await runFleet({ ...DEFAULT_FLEET, ...flags, mode: flags.mode });
process.stdout.write(`${JSON.stringify(report)}\n`);
