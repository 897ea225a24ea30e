// The agent's commands for keys and certificates: `agent install`, `activate`,
// `offline-request`, `offline-import`, `refresh`.
import type { Command } from 'commander';
import {
  installationWarnings,
  installVendorKey,
  readVendorKey,
  vendorKeyPath,
} from '../agent/installation.js';
import { AgentState } from '../agent/state.js';
import { shownKey } from '../domain/key-status.js';
import { plural } from '../domain/text.js';
import {
  type AgentFlags,
  agentConfigDir,
  isGatewayProfile,
  notifyRunningAgent,
  openAgent,
  readJsonFile,
  stateDirOf,
  withAgentOptions,
} from './agent-context.js';
import { refreshGateway } from './agent-gateway-commands.js';
import { printRefresh } from './agent-usage-output.js';
import { CliError, EXIT, note, orExit, print, printJson, refused } from './output.js';

export function registerInstall(agent: Command): void {
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
}

export function registerActivate(agent: Command): void {
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
        `Activated ${report.licenseId} (${shownKey(report.keyHint)}) on server ${instance.serverId}: ${plural(report.seats, 'connection')} until ${report.ends?.slice(0, 10)}.`,
      );
      const { connected, licensed } = instance.usage();
      print(`[${connected}, ${licensed}]`);
    });
}

export function registerOfflineRequest(agent: Command): void {
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
}

export function registerOfflineImport(agent: Command): void {
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
        `Installed ${report.licenseId} (${shownKey(report.keyHint)}): ${plural(report.seats, 'connection')} until ${report.ends?.slice(0, 10)}.`,
      );
      const { connected, licensed } = instance.usage();
      print(`[${connected}, ${licensed}]`);
    }
  });
}

export function registerRefresh(agent: Command): void {
  withAgentOptions(
    agent
      .command('refresh')
      .description(
        'Ask the license service what changed (renewals, replacements), refresh the certificates it changed or that are past half their life, and send the pool a heartbeat; on an enrolled gateway, a fresh statement of its licenses',
      )
      .addHelpText('after', '\nExample:\n  $ seatkeeper agent refresh --state /var/lib/seatkeeper'),
  )
    .option('--force', 'refresh every certificate, not only those changed or past half their life')
    .action(async (flags: AgentFlags & { force?: boolean }) => {
      if (isGatewayProfile(flags)) return refreshGateway(flags);
      const stateDir = stateDirOf(flags);
      const instance = openAgent(flags);
      const results = await instance.refresh({ force: flags.force ?? false });
      // A running agent reports the tunnels it holds: it sends the heartbeat, asked by the signal below.
      const running = { pid: new AgentState(stateDir).runningAgent() };
      const heartbeat = running.pid === undefined ? await instance.renewSubscription() : undefined;
      if (running.pid !== undefined || results.some(({ result }) => result.ok) || heartbeat?.ok)
        notifyRunningAgent(stateDir);
      const report = instance.usage().subscription;
      if (flags.json) printJson({ refreshed: results, subscription: report, heartbeat: heartbeat ?? null });
      else printRefresh(results, instance.licenses().length, { heartbeat, report }, running);
      const failure = [
        ...results.map(({ result }) => result),
        ...(heartbeat === undefined ? [] : [heartbeat]),
      ].find((result) => !result.ok);
      if (failure !== undefined && !failure.ok) process.exitCode = refused(failure.error).exitCode;
    });
}
