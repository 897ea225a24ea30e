import type { Logger } from 'pino';
import type { RunnableAgent } from '../runnable.js';
import { AgentState } from '../state.js';
import { Gatekeeper } from './gatekeeper.js';

export type { RunnableAgent, Upkeep, UpkeepContext } from '../runnable.js';

import type { ManagementAddress } from './management-connection.js';

export interface RunOptions {
  stateDir: string;
  address: ManagementAddress;
  password?: string | undefined;
  duplicateCn?: boolean;
  logger: Logger;
  /** How often the count is checked against the server's client list. */
  resyncIntervalMs?: number;
  /**
   * How often the service is asked whether the licenses changed (a renewal, a replacement, a
   * revocation), their certificates renewed if they did or are past half their life.
   */
  checkIntervalMs?: number;
}

export interface RunningAgent {
  gatekeeper: Gatekeeper;
  /** Reads the state directory again: keys activated and a subscription joined since the start. */
  reload: () => void;
  /** Stops deciding, heartbeats and refreshes, and gives the state directory back. */
  stop: () => void;
  /** Ends when the gatekeeper has stopped. */
  done: Promise<void>;
}

/** Renewals, replacements and revocations reach a running agent within this long by default. */
export const DEFAULT_CHECK_INTERVAL_MS = 5 * 60_000;

/** The longest delay a Node timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Another `agent run` holds the state directory. */
export class AgentAlreadyRunning extends Error {
  readonly code = 'agent_already_running';
}

/** The agent's machine properties are simulated: it may not decide real connections. */
export class SimulatedMachineRefused extends Error {
  readonly code = 'machine_simulated';
}

/**
 * `agent run`: the long-running agent beside one OpenVPN server or on a gateway. Holds the state
 * directory for itself, decides connections through the management interface, keeps its upkeep
 * with the service going, and publishes its tunnels for `agent usage` in other processes.
 */
export function runAgent(agent: RunnableAgent, options: RunOptions): RunningAgent {
  if (agent.simulatedMachine !== undefined)
    throw new SimulatedMachineRefused(
      `agent run decides real connections with this machine's own properties; a simulated machine (${agent.simulatedMachine}) is for tests and labs only`,
    );
  const { logger } = options;
  const state = new AgentState(options.stateDir);
  const claim = state.claimRun();
  if (!claim.claimed)
    throw new AgentAlreadyRunning(
      `another agent (pid ${claim.pid}) is running on the state directory ${options.stateDir}`,
    );

  let republish: NodeJS.Timeout | undefined;
  const publishNow = () => {
    try {
      state.saveLiveUsage(agent.usage());
    } catch (error) {
      logger.warn({ event: 'usage_not_saved' }, (error as Error).message);
    }
    // The capacity also changes on its own (a lease or a certificate runs out): published again then.
    clearTimeout(republish);
    const wait = agent.untilCapacityChanges();
    if (Number.isFinite(wait)) republish = setTimeout(publishNow, Math.min(wait + 1, MAX_TIMER_MS)).unref();
  };
  let published: NodeJS.Timeout | undefined;
  // Decisions come in bursts: one write for each burst is enough for a reader.
  const publish = () => {
    published ??= setTimeout(() => {
      published = undefined;
      publishNow();
    }, 50);
  };

  const gatekeeper: Gatekeeper = new Gatekeeper(agent, {
    address: options.address,
    password: options.password,
    duplicateCn: options.duplicateCn ?? false,
    logger,
    ...(options.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: options.resyncIntervalMs }),
    onChange: (change) => {
      if (change === 'decision') {
        publish();
        return;
      }
      publishNow();
      upkeep.attached();
    },
  });
  const upkeep = agent.startUpkeep({
    logger,
    publish,
    disconnect: (tunnelIds) => gatekeeper.disconnect(tunnelIds),
    attached: () => gatekeeper.attached,
    checkIntervalMs: options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS,
  });

  publishNow();
  const done = gatekeeper.run();
  return {
    gatekeeper,
    done,
    reload: () => {
      try {
        upkeep.reload();
      } catch (error) {
        // The agent goes on with what it had; the files are for the administrator to fix.
        logger.error({ event: 'reload_failed' }, (error as Error).message);
        return;
      }
      const { connected, licensed } = agent.usage();
      logger.info({ event: 'reloaded', connected, licensed }, 'licenses read again');
      publishNow();
    },
    stop: () => {
      gatekeeper.stop();
      upkeep.stop();
      clearTimeout(published);
      clearTimeout(republish);
      claim.release();
    },
  };
}
