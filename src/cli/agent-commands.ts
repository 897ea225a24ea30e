import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { Agent, type Usage } from '../agent/agent.js';
import {
  DEFAULT_AGENT_CONFIG_DIR,
  installationWarnings,
  installedVendorKey,
  installVendorKey,
  noVendorKeyMessage,
  readVendorKey,
  type VendorKey,
  vendorKeyFileWarnings,
  vendorKeyPath,
} from '../agent/installation.js';
import { readMachineProperties, simulatedMachineProperties } from '../agent/machine.js';
import { parseManagementAddress } from '../agent/openvpn/management-connection.js';
import { AgentAlreadyRunning, runAgent, SimulatedMachineRefused } from '../agent/openvpn/run.js';
import { AgentState } from '../agent/state.js';
import { systemClock } from '../domain/clock.js';
import { LOG_LEVELS, parseDuration } from '../service/config.js';
import { CliError, EXIT, note, orExit, print, printJson, refused, table } from './output.js';

interface AgentFlags {
  state?: string;
  simulateMachine?: string;
  vendorKey?: string;
  json?: boolean;
}

/** The installation's directory: `/etc/seatkeeper`, or SEATKEEPER_AGENT_CONFIG (tests, labs). */
const agentConfigDir = (): string => resolve(process.env.SEATKEEPER_AGENT_CONFIG || DEFAULT_AGENT_CONFIG_DIR);

/**
 * The vendor key to trust: the one installed with `agent install`, unless the command names
 * another (--vendor-key, SEATKEEPER_VENDOR_KEY). Never anything from the state directory.
 */
function vendorKeyOf(flags: AgentFlags): VendorKey | undefined {
  const file = flags.vendorKey ?? process.env.SEATKEEPER_VENDOR_KEY;
  const key = file === undefined || file === '' ? installedVendorKey(agentConfigDir()) : readVendorKey(file);
  if (!key.ok) throw new CliError(key.error.detail, EXIT.usage, 'vendor_key_invalid');
  return key.value;
}

const stateDirOf = (flags: AgentFlags): string =>
  resolve(flags.state ?? (process.env.SEATKEEPER_AGENT_STATE || 'agent-state'));

/**
 * The agent of this server. A command that verifies certificates or grants stops here, saying how
 * to install the vendor key, rather than count nothing.
 */
function openAgent(
  flags: AgentFlags,
  options: { needsVendorKey: boolean } = { needsVendorKey: true },
): Agent {
  const stateDir = stateDirOf(flags);
  const vendorKey = vendorKeyOf(flags);
  if (vendorKey === undefined && options.needsVendorKey)
    throw new CliError(noVendorKeyMessage(vendorKeyPath(agentConfigDir())), EXIT.usage, 'vendor_key_missing');
  try {
    const simulated = flags.simulateMachine;
    return new Agent({
      stateDir,
      clock: systemClock,
      machine: simulated === undefined ? readMachineProperties() : simulatedMachineProperties(simulated),
      ...(simulated === undefined ? {} : { simulatedMachine: resolve(simulated) }),
      ...(vendorKey === undefined ? {} : { vendorKeys: [vendorKey] }),
    });
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage, 'agent_state_invalid');
  }
}

const withAgentOptions = (command: Command): Command =>
  command
    .option('--state <dir>', 'agent state directory (env SEATKEEPER_AGENT_STATE)', undefined)
    .option(
      '--simulate-machine <file>',
      'tests and labs only: JSON file of machine properties to play another machine (agent run refuses it)',
      undefined,
    )
    .option(
      '--vendor-key <file>',
      'vendor public key (PEM) to trust instead of the installed one (env SEATKEEPER_VENDOR_KEY)',
      undefined,
    )
    .option('--json', 'print the result as JSON');

export function printUsage(usage: Usage): void {
  // The first line reads like Access Server's `sacli LicUsage`: [connected, licensed].
  print(`[${usage.connected}, ${usage.licensed}]`);
  print();
  print(`Server ${usage.serverId}: ${usage.connected} of ${usage.licensed} connections in use.`);
  if (usage.simulatedMachine)
    print(
      `Simulated machine: properties from ${usage.simulatedMachine} (--simulate-machine), not this machine's own.`,
    );
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
  const usage = new AgentState(stateDir).loadLiveUsage();
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
  // The one agent that decides real connections trusts only a key root alone could have put there:
  // otherwise whoever can start it (the agent's own user) could name a key of their own.
  const trusted = flags.vendorKey ?? process.env.SEATKEEPER_VENDOR_KEY ?? vendorKeyPath(agentConfigDir());
  const unprotected = vendorKeyFileWarnings(trusted);
  if (unprotected.length > 0)
    throw new CliError(
      `agent run trusts only a vendor key that root alone can change: ${unprotected.join('; ')}; install it as root with \`seatkeeper agent install --vendor-key vendor.pem\``,
      EXIT.usage,
      'vendor_key_unprotected',
    );
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
    const code =
      error instanceof AgentAlreadyRunning || error instanceof SimulatedMachineRefused
        ? error.code
        : 'agent_state_invalid';
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

  agent
    .command('install')
    .description(
      'Install the vendor public key once, as root, in /etc/seatkeeper/vendor.pem (env SEATKEEPER_AGENT_CONFIG names another directory): the only key every agent command trusts',
    )
    .requiredOption(
      '--vendor-key <file>',
      'the vendor public key (the vendor.pem the license service writes)',
    )
    .option('--replace', 'replace another vendor key already installed')
    .option('--json', 'print the result as JSON')
    .action((flags: { vendorKey: string; replace?: boolean; json?: boolean }) => {
      const configDir = agentConfigDir();
      const key = orExit(readVendorKey(flags.vendorKey));
      let installed: ReturnType<typeof installVendorKey>;
      try {
        installed = installVendorKey(configDir, key, { replace: flags.replace === true });
      } catch (error) {
        throw new CliError(
          `cannot write ${vendorKeyPath(configDir)}: ${(error as Error).message}; install it as root`,
          EXIT.usage,
          'config_invalid',
        );
      }
      const { path, changed } = orExit(installed);
      for (const warning of installationWarnings(configDir))
        note(`warning: ${warning}: whoever can write it decides which licenses count; install it as root`);
      if (flags.json) printJson({ path, kid: key.kid, changed });
      else if (changed)
        print(
          `Installed the vendor key ${key.kid} in ${path}: every agent command on this server trusts it.`,
        );
      else print(`The vendor key ${key.kid} is already installed in ${path}.`);
    });

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
      // A request verifies nothing: it may be written before the vendor key is installed.
      const instance = openAgent(flags, { needsVendorKey: false });
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
