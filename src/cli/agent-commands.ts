import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { Agent, type Usage, type VendorKey } from '../agent/agent.js';
import { machinePropertiesFrom } from '../agent/machine.js';
import { parseManagementAddress } from '../agent/openvpn/management-connection.js';
import { AgentAlreadyRunning, runAgent } from '../agent/openvpn/run.js';
import { AgentState } from '../agent/state.js';
import { keyIdOf, publicKeyFromPem } from '../domain/certificate.js';
import { systemClock } from '../domain/clock.js';
import { LOG_LEVELS, parseDuration } from '../service/config.js';
import { CliError, EXIT, note, orExit, print, printJson, refused, table } from './output.js';

interface AgentFlags {
  state?: string;
  machineFile?: string;
  vendorKey?: string;
  json?: boolean;
}

/** The vendor public key file the agent was installed with, if any: then the only key it trusts. */
function vendorKeysFrom(file: string | undefined): VendorKey[] | undefined {
  if (file === undefined || file === '') return undefined;
  try {
    const publicKeyPem = readFileSync(file, 'utf8');
    return [{ kid: keyIdOf(publicKeyFromPem(publicKeyPem)), publicKeyPem }];
  } catch (error) {
    throw new CliError(
      `cannot read the vendor public key ${file}: ${(error as Error).message}`,
      EXIT.usage,
      'vendor_key_invalid',
    );
  }
}

const stateDirOf = (flags: AgentFlags): string =>
  resolve(flags.state ?? (process.env.SEATKEEPER_AGENT_STATE || 'agent-state'));

function openAgent(flags: AgentFlags): Agent {
  const stateDir = stateDirOf(flags);
  const vendorKeys = vendorKeysFrom(flags.vendorKey ?? process.env.SEATKEEPER_VENDOR_KEY);
  try {
    const machine = machinePropertiesFrom(flags.machineFile ?? process.env.SEATKEEPER_MACHINE_FILE);
    return new Agent({
      stateDir,
      clock: systemClock,
      machine,
      ...(vendorKeys === undefined ? {} : { vendorKeys }),
    });
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage, 'agent_state_invalid');
  }
}

const withAgentOptions = (command: Command): Command =>
  command
    .option('--state <dir>', 'agent state directory (env SEATKEEPER_AGENT_STATE)', undefined)
    .option(
      '--machine-file <file>',
      'JSON file overriding machine properties (env SEATKEEPER_MACHINE_FILE)',
      undefined,
    )
    .option(
      '--vendor-key <file>',
      'vendor public key (PEM) to trust instead of pinning the service’s on first use (env SEATKEEPER_VENDOR_KEY)',
      undefined,
    )
    .option('--json', 'print the result as JSON');

export function printUsage(usage: Usage): void {
  // The first line reads like Access Server's `sacli LicUsage`: [connected, licensed].
  print(`[${usage.connected}, ${usage.licensed}]`);
  print();
  print(`Server ${usage.serverId}: ${usage.connected} of ${usage.licensed} connections in use.`);
  const subscriptionCounts = usage.subscription?.counting === true;
  if (!subscriptionCounts && !usage.licenses.some((license) => license.status === 'counting')) {
    print('No purchased key is active: the 2 built-in connections apply.');
  }
  const sub = usage.subscription;
  if (sub !== null) {
    const state = sub.counting
      ? 'counting'
      : 'not counting (no answer within its grace or lease): fixed keys and built-in connections apply';
    const pool =
      sub.mode === 'lease'
        ? `lease ${sub.lease} of ${sub.connections}`
        : `${sub.poolUsed ?? '?'} of ${sub.connections} in use across the pool`;
    print(`Subscription ${sub.subscriptionId} (${sub.mode}): ${pool}; ${state}.`);
  }
  if (usage.licenses.length > 0) {
    print();
    print(
      table(
        ['LICENSE', 'KEY', 'SEATS', 'STATUS', 'TERM ENDS', 'CERTIFICATE UNTIL', 'NOTE'],
        usage.licenses.map((l) => [
          l.licenseId,
          `...-${l.keyHint}`,
          String(l.seats),
          l.status.replace('_', ' '),
          l.ends?.slice(0, 10) ?? '-',
          l.certificateExpiresAt?.slice(0, 16).replace('T', ' ') ?? '-',
          l.reason ?? '',
        ]),
      ),
    );
  }
  print();
  if (usage.tunnels.length === 0) print('No tunnels are connected through this agent.');
  else
    print(
      table(
        ['TUNNEL', 'USER', 'ADDRESS', 'CONNECTED'],
        usage.tunnels.map((t) => [t.id, t.user ?? '-', t.address ?? '-', t.connectedAt.toISOString()]),
      ),
    );
}

/** The usage the running agent last published for this state directory, if one runs. */
function liveUsage(stateDir: string): Usage | undefined {
  const usage = new AgentState(stateDir).loadLiveUsage() as Usage | undefined;
  if (usage === undefined) return undefined;
  return {
    ...usage,
    tunnels: usage.tunnels.map((tunnel) => ({ ...tunnel, connectedAt: new Date(tunnel.connectedAt) })),
  };
}

/** A JSON file given on the command line (`-` for standard input), or a clear refusal. */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (error) {
    throw new CliError(
      `cannot read ${file === '-' ? 'standard input' : file} as JSON: ${(error as Error).message}`,
      EXIT.usage,
      'validation_failed',
    );
  }
}

/** Tells the `agent run` on this state directory, if any, to read what this command stored. */
function notifyRunningAgent(stateDir: string): void {
  const pid = new AgentState(stateDir).runningAgent();
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGHUP');
    note(`The running agent (pid ${pid}) reads the change now.`);
  } catch (error) {
    note(
      `warning: could not tell the running agent (pid ${pid}): ${(error as Error).message}; reload it (SIGHUP)`,
    );
  }
}

function readPasswordFile(file: string | undefined): string | undefined {
  if (file === undefined || file === '') return undefined;
  try {
    // OpenVPN reads the first line of its password file; so does the agent.
    return readFileSync(file, 'utf8').split(/\r?\n/)[0];
  } catch (error) {
    throw new CliError(
      `cannot read the management password file ${file}: ${(error as Error).message}`,
      EXIT.usage,
      'config_invalid',
    );
  }
}

interface RunFlags extends AgentFlags {
  openvpnManagement?: string;
  managementPasswordFile?: string;
  duplicateCn?: boolean;
  logLevel?: string;
  resyncInterval?: string;
}

async function run(flags: RunFlags): Promise<void> {
  const addressText = flags.openvpnManagement ?? process.env.SEATKEEPER_OPENVPN_MANAGEMENT;
  if (addressText === undefined || addressText === '')
    throw new CliError(
      'give the OpenVPN management interface: --openvpn-management 127.0.0.1:7505 (or a unix socket path)',
      EXIT.usage,
      'config_invalid',
    );
  const address = orExit(parseManagementAddress(addressText));
  const password = readPasswordFile(
    flags.managementPasswordFile ?? process.env.SEATKEEPER_OPENVPN_MANAGEMENT_PASSWORD_FILE,
  );
  const level = flags.logLevel ?? process.env.SEATKEEPER_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(level))
    throw new CliError(
      `log level must be one of ${LOG_LEVELS.join(', ')}; got "${level}"`,
      EXIT.usage,
      'config_invalid',
    );
  const resyncText = flags.resyncInterval ?? process.env.SEATKEEPER_RESYNC_INTERVAL ?? '60s';
  let resyncIntervalMs: number;
  try {
    resyncIntervalMs = parseDuration(resyncText, '--resync-interval');
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage, 'config_invalid');
  }
  const logger = pino({ level, base: { service: 'seatkeeper-agent' } });
  const instance = openAgent(flags);
  let running: ReturnType<typeof runAgent>;
  try {
    running = runAgent(instance, {
      stateDir: stateDirOf(flags),
      address,
      password,
      duplicateCn: flags.duplicateCn ?? false,
      resyncIntervalMs,
      logger,
    });
  } catch (error) {
    const code = error instanceof AgentAlreadyRunning ? error.code : 'agent_state_invalid';
    throw new CliError((error as Error).message, EXIT.usage, code);
  }
  if (password === undefined && 'host' in address)
    logger.warn(
      { event: 'management_unprotected' },
      'the management interface has no password: any local user who attaches while the agent is away decides connections; give it a password file or a unix socket',
    );
  const { connected, licensed } = instance.usage();
  logger.info({ event: 'started', serverId: instance.serverId, connected, licensed }, 'agent started');
  const stop = (signal: string) => {
    logger.info({ event: 'stopping', signal }, 'agent stopping');
    running.stop();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // `systemctl reload`: read keys activated by another command since the start.
  process.on('SIGHUP', () => running.reload());
  await running.done;
  process.exit(0);
}

export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('The VPN-server side: activate keys, see usage');

  withAgentOptions(
    agent
      .command('activate')
      .description('Activate a license key on this server')
      .argument('<key>', 'the license key, as printed or in any case, dashes optional'),
  )
    .option('--service <url>', 'license service URL (remembered after the first activation)')
    .option('--failover', 'this is an integrated failover (standby) server, and the key its failover key')
    .action(async (key: string, flags: AgentFlags & { service?: string; failover?: boolean }) => {
      const instance = openAgent(flags);
      const report = orExit(
        await instance.activate(key, flags.service, { failover: flags.failover === true }),
      );
      notifyRunningAgent(stateDirOf(flags));
      if (flags.json) {
        printJson({ serverId: instance.serverId, license: report, usage: instance.usage() });
        return;
      }
      print(
        `Activated ${report.licenseId} (...-${report.keyHint}) on server ${instance.serverId}: ${report.seats} connections until ${report.ends?.slice(0, 10)}.`,
      );
      const { connected, licensed } = instance.usage();
      print(`[${connected}, ${licensed}]`);
    });

  withAgentOptions(
    agent
      .command('subscribe')
      .description('Activate a subscription on this server: it joins the subscription’s shared pool')
      .argument('<key>', 'the subscription key (sks_...)'),
  )
    .option('--service <url>', 'license service URL (remembered after the first activation)')
    .action(async (key: string, flags: AgentFlags & { service?: string }) => {
      const instance = openAgent(flags);
      orExit(await instance.joinSubscription(key, flags.service));
      notifyRunningAgent(stateDirOf(flags));
      const usage = instance.usage();
      if (flags.json) printJson(usage);
      else printUsage(usage);
    });

  withAgentOptions(
    agent
      .command('usage')
      .description('Connected tunnels and licensed connections on this server ([connected, licensed])'),
  ).action((flags: AgentFlags) => {
    const instance = openAgent(flags);
    // A running agent (`agent run`) holds the tunnels; this process only reads what it reports.
    const usage = liveUsage(stateDirOf(flags)) ?? instance.usage();
    for (const { file, reason } of instance.unreadable)
      note(`warning: cannot read license file ${file}: ${reason}`);
    if (flags.json) printJson(usage);
    else printUsage(usage);
  });

  withAgentOptions(
    agent
      .command('offline-request')
      .description(
        'Offline activation: write the activation request of this server, for the key’s account to submit',
      )
      .argument('<key>', 'the license key'),
  )
    .option('--failover', 'this is an integrated failover (standby) server, and the key its failover key')
    .action((key: string, flags: AgentFlags & { failover?: boolean }) => {
      const instance = openAgent(flags);
      printJson(orExit(instance.offlineRequest(key, { failover: flags.failover === true })));
      note(
        'Submit this file with `seatkeeper key offline-activate` (vendor) or POST /v1/activations/offline, then run `seatkeeper agent offline-import` with the answer.',
      );
    });

  withAgentOptions(
    agent
      .command('offline-import')
      .description(
        'Offline activation: install the certificate the service answered this server’s request with',
      )
      .argument('<file>', 'the certificate file, or - for standard input'),
  ).action((file: string, flags: AgentFlags) => {
    const instance = openAgent(flags);
    const report = orExit(instance.offlineImport(readJsonFile(file)));
    notifyRunningAgent(stateDirOf(flags));
    if (flags.json) printJson({ serverId: instance.serverId, license: report, usage: instance.usage() });
    else {
      print(
        `Installed ${report.licenseId} (...-${report.keyHint}): ${report.seats} connections until ${report.ends?.slice(0, 10)}.`,
      );
      const { connected, licensed } = instance.usage();
      print(`[${connected}, ${licensed}]`);
    }
  });

  withAgentOptions(
    agent
      .command('run')
      .description(
        'Decide every connection of an OpenVPN server through its management interface, until stopped',
      ),
  )
    .option(
      '--openvpn-management <address>',
      "HOST:PORT or unix socket path of the server's management interface (env SEATKEEPER_OPENVPN_MANAGEMENT)",
    )
    .option(
      '--management-password-file <file>',
      "the password file named on the server's management line, if any (env SEATKEEPER_OPENVPN_MANAGEMENT_PASSWORD_FILE)",
    )
    .option(
      '--duplicate-cn',
      'the server runs with duplicate-cn: every session of a common name holds a seat',
    )
    .option(
      '--resync-interval <duration>',
      'how often the count is checked against the server’s client list, e.g. 60s (env SEATKEEPER_RESYNC_INTERVAL)',
    )
    .option('--log-level <level>', `${LOG_LEVELS.join('|')} (env SEATKEEPER_LOG_LEVEL)`)
    .action(run);

  withAgentOptions(
    agent.command('refresh').description('Ask the license service for fresh certificates before they expire'),
  )
    .option('--force', 'refresh every certificate, not only those past half their life')
    .action(async (flags: AgentFlags & { force?: boolean }) => {
      const instance = openAgent(flags);
      const results = await instance.refresh({ force: flags.force ?? false });
      if (results.some(({ result }) => result.ok)) notifyRunningAgent(stateDirOf(flags));
      if (flags.json) printJson({ refreshed: results });
      else if (results.length === 0) print('No certificate needs refreshing yet.');
      else
        for (const { licenseId, result } of results)
          print(
            `${licenseId}: ${result.ok ? `refreshed, valid until ${result.value.certificateExpiresAt}` : `${result.error.code}: ${result.error.detail}`}`,
          );
      const failure = results.find(({ result }) => !result.ok)?.result;
      if (failure !== undefined && !failure.ok) process.exitCode = refused(failure.error).exitCode;
    });
}
