// The agent's commands for a running agent and its pool: `agent run`, `subscribe`, `usage`.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { pino } from 'pino';
import { Agent } from '../agent/agent.js';
import { gatewayUsageFromJson, liveGatewayUsage } from '../agent/gateway/gateway-usage.js';
import { vendorKeyFileWarnings, vendorKeyPath } from '../agent/installation.js';
import { parseManagementAddress } from '../agent/openvpn/management-connection.js';
import { AgentAlreadyRunning, runAgent, SimulatedMachineRefused } from '../agent/openvpn/run.js';
import { AgentState } from '../agent/state.js';
import { LOG_LEVELS, parseDuration } from '../service/config.js';
import {
  type AgentFlags,
  agentConfigDir,
  isGatewayProfile,
  liveUsage,
  notifyRunningAgent,
  openAgent,
  openGatewayAgent,
  stateDirOf,
  withAgentOptions,
} from './agent-context.js';
import { printGatewayUsage } from './agent-gateway-output.js';
import { type PageFlags, pageSettingsOf, servePage, withPageOptions } from './agent-page-commands.js';
import { printUsage } from './agent-usage-output.js';
import { CliError, EXIT, note, orExit, printJson } from './output.js';

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

interface RunFlags extends AgentFlags, PageFlags {
  openvpnManagement?: string;
  managementPasswordFile?: string;
  duplicateCn?: boolean;
  logLevel?: string;
  resyncInterval?: string;
  checkInterval?: string;
}

function durationFlag(flag: string, text: string): number {
  try {
    return parseDuration(text, flag);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage, 'config_invalid');
  }
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
  const resyncIntervalMs = durationFlag(
    '--resync-interval',
    flags.resyncInterval ?? process.env.SEATKEEPER_RESYNC_INTERVAL ?? '60s',
  );
  const checkIntervalMs = durationFlag(
    '--check-interval',
    flags.checkInterval ?? process.env.SEATKEEPER_CHECK_INTERVAL ?? '5m',
  );
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
  const page = pageSettingsOf(flags);
  if (page !== undefined && isGatewayProfile(flags))
    throw new CliError(
      "the license page is a VPN server's: an enrolled gateway's licenses are associated with it in the console",
      EXIT.usage,
      'config_invalid',
    );
  const logger = pino({ level, base: { service: 'seatkeeper-agent' } });
  const instance = isGatewayProfile(flags) ? openGatewayAgent(flags) : openAgent(flags);
  let running: ReturnType<typeof runAgent>;
  try {
    running = runAgent(instance, {
      stateDir: stateDirOf(flags),
      address,
      password,
      duplicateCn: flags.duplicateCn ?? false,
      resyncIntervalMs,
      checkIntervalMs,
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
  // What the page activates or joins, the running agent reads at once, as after `systemctl reload`.
  const served =
    page === undefined || !(instance instanceof Agent)
      ? undefined
      : await servePage(page, { agent: instance, changed: () => running.reload(), logger }).catch(
          (error: unknown) => {
            running.stop();
            throw error;
          },
        );
  const { connected, licensed } = instance.usage();
  const who =
    instance instanceof Agent ? { serverId: instance.serverId } : { deviceId: instance.enrollment?.deviceId };
  logger.info({ event: 'started', ...who, connected, licensed }, 'agent started');
  const stop = (signal: string) => {
    logger.info({ event: 'stopping', signal }, 'agent stopping');
    void served?.close();
    running.stop();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // `systemctl reload`: read keys activated by another command since the start.
  process.on('SIGHUP', () => running.reload());
  await running.done;
  process.exit(0);
}

export function registerSubscribe(agent: Command): void {
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
      else printUsage(usage, { pid: new AgentState(stateDirOf(flags)).runningAgent() });
    });
}

/** An enrolled gateway's usage: the running agent's, or the stored statement's with no tunnels. */
function gatewayUsage(flags: AgentFlags): void {
  const state = new AgentState(stateDirOf(flags));
  const gateway = openGatewayAgent(flags);
  const live = state.loadLive(liveGatewayUsage);
  const usage = live === undefined ? gateway.usage() : gatewayUsageFromJson(live);
  if (flags.json) printJson(usage);
  else printGatewayUsage(usage, { pid: live === undefined ? undefined : state.runningAgent() });
}

export function registerUsage(agent: Command): void {
  withAgentOptions(
    agent
      .command('usage')
      .description(
        'Connected tunnels and licensed connections on this server ([connected, licensed]); on an enrolled gateway, its SecuPoint VPN Client maximum',
      )
      .addHelpText('after', '\nExample:\n  $ seatkeeper agent usage --state /var/lib/seatkeeper --json'),
  ).action((flags: AgentFlags) => {
    if (isGatewayProfile(flags)) {
      gatewayUsage(flags);
      return;
    }
    const instance = openAgent(flags);
    // A running agent (`agent run`) holds the tunnels; this process only reads what it reports.
    const live = liveUsage(stateDirOf(flags));
    const usage = live?.usage ?? instance.usage();
    for (const { file, reason } of instance.unreadable)
      note(`warning: cannot read license file ${file}: ${reason}`);
    if (flags.json) printJson(usage);
    else printUsage(usage, { pid: live?.pid });
  });
}

export function registerRun(agent: Command): void {
  withPageOptions(
    withAgentOptions(
      agent
        .command('run')
        .description(
          'Decide every connection of an OpenVPN server (or of an enrolled gateway) through its management interface, until stopped',
        )
        .addHelpText(
          'after',
          '\nExample:\n  $ seatkeeper agent run --openvpn-management 127.0.0.1:7505 --management-password-file /etc/openvpn/management-password',
        ),
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
    .option(
      '--check-interval <duration>',
      'how often the license service is asked whether the keys changed (renewed, replaced, revoked), e.g. 5m (env SEATKEEPER_CHECK_INTERVAL)',
    )
    .option('--log-level <level>', `${LOG_LEVELS.join('|')} (env SEATKEEPER_LOG_LEVEL)`)
    .action(run);
}
