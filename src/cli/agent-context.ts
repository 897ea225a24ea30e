import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Agent, type Usage } from '../agent/agent.js';
import { GatewayAgent } from '../agent/gateway/gateway-agent.js';
import { isEnrolledGateway } from '../agent/gateway/gateway-state.js';
import {
  DEFAULT_AGENT_CONFIG_DIR,
  installedVendorKey,
  noVendorKeyMessage,
  readVendorKey,
  type VendorKey,
  vendorKeyPath,
} from '../agent/installation.js';
import { readMachineProperties, simulatedMachineProperties } from '../agent/machine.js';
import { AgentState } from '../agent/state.js';
import { systemClock } from '../domain/clock.js';
import { CliError, EXIT, note } from './output.js';

export interface AgentFlags {
  state?: string;
  simulateMachine?: string;
  vendorKey?: string;
  json?: boolean;
}

/** The installation's directory: `/etc/seatkeeper`, or SEATKEEPER_AGENT_CONFIG (tests, labs). */
export const agentConfigDir = (): string =>
  resolve(process.env.SEATKEEPER_AGENT_CONFIG || DEFAULT_AGENT_CONFIG_DIR);

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

export const stateDirOf = (flags: AgentFlags): string =>
  resolve(flags.state ?? (process.env.SEATKEEPER_AGENT_STATE || 'agent-state'));

/**
 * The agent of this server. A command that verifies certificates or grants stops here, saying how
 * to install the vendor key, rather than count nothing.
 */
export function openAgent(
  flags: AgentFlags,
  options: { needsVendorKey: boolean } = { needsVendorKey: true },
): Agent {
  const stateDir = stateDirOf(flags);
  if (isEnrolledGateway(stateDir))
    throw new CliError(
      `${stateDir} is an enrolled gateway's state directory: its licenses are associated with it in the console, not activated on it; \`seatkeeper agent usage\` and \`agent run\` work with it`,
      EXIT.usage,
      'gateway_profile',
    );
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

/** Whether the state directory is an enrolled gateway's: `agent run` and `usage` take its profile. */
export const isGatewayProfile = (flags: AgentFlags): boolean => isEnrolledGateway(stateDirOf(flags));

/** The gateway agent of this state directory; like a server's, it trusts only the installed vendor key. */
export function openGatewayAgent(flags: AgentFlags): GatewayAgent {
  const vendorKey = vendorKeyOf(flags);
  if (vendorKey === undefined)
    throw new CliError(noVendorKeyMessage(vendorKeyPath(agentConfigDir())), EXIT.usage, 'vendor_key_missing');
  try {
    return new GatewayAgent({ stateDir: stateDirOf(flags), clock: systemClock, vendorKeys: [vendorKey] });
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage, 'agent_state_invalid');
  }
}

export const withAgentOptions = (command: Command): Command =>
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
export function notifyRunningAgent(stateDir: string): void {
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

/** The usage the running agent last published for this state directory, if one runs. */
export function liveUsage(stateDir: string): { usage: Usage; pid: number | undefined } | undefined {
  const state = new AgentState(stateDir);
  const usage = state.loadLiveUsage();
  if (usage === undefined) return undefined;
  return {
    usage: {
      ...usage,
      tunnels: usage.tunnels.map((tunnel) => ({ ...tunnel, connectedAt: new Date(tunnel.connectedAt) })),
    },
    pid: state.runningAgent(),
  };
}
