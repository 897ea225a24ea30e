import type { Logger } from 'pino';
import type { Agent } from '../agent.js';
import { AgentState } from '../state.js';
import { Gatekeeper } from './gatekeeper.js';
import type { ManagementAddress } from './management-connection.js';

export interface RunOptions {
  stateDir: string;
  address: ManagementAddress;
  password?: string | undefined;
  duplicateCn?: boolean;
  logger: Logger;
  /** How often certificates past half their life are renewed. */
  refreshIntervalMs?: number;
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

/**
 * `agent run`: the long-running agent beside one OpenVPN server. Holds the state directory for
 * itself, decides connections through the management interface, reports to its pool and keeps its
 * certificates fresh, and publishes its tunnels for `agent usage` in other processes.
 */
export function runAgent(agent: Agent, options: RunOptions): RunningAgent {
  const { logger } = options;
  const state = new AgentState(options.stateDir);
  const claim = state.claimRun();
  if (!claim.claimed)
    throw new Error(`another agent (pid ${claim.pid}) is running on the state directory ${options.stateDir}`);

  let published: NodeJS.Timeout | undefined;
  const publish = () => {
    // Decisions come in bursts: one write for each burst is enough for a reader.
    published ??= setTimeout(() => {
      published = undefined;
      try {
        state.saveLiveUsage(agent.usage());
      } catch (error) {
        logger.warn({ event: 'usage_not_saved' }, (error as Error).message);
      }
    }, 50);
  };

  let stopHeartbeats: (() => void) | undefined;
  /** Heartbeats at the subscription's interval, from the first count on; a new subscription restarts them. */
  const restartHeartbeats = () => {
    stopHeartbeats?.();
    stopHeartbeats = undefined;
    if (agent.usage().subscription === null) return;
    // The pool hears the count at once, then at every interval.
    void agent.heartbeat().then(report);
    stopHeartbeats = agent.startHeartbeats(report);
  };
  const gatekeeper: Gatekeeper = new Gatekeeper(agent, {
    address: options.address,
    password: options.password,
    duplicateCn: options.duplicateCn ?? false,
    logger,
    onChange: (change) => {
      publish();
      if (change === 'attached') restartHeartbeats();
    },
  });

  function report(outcome: Awaited<ReturnType<Agent['heartbeat']>>): void {
    if (!outcome.ok) {
      logger.warn({ event: 'heartbeat_failed', code: outcome.error.code }, outcome.error.detail);
      return;
    }
    gatekeeper.disconnect(outcome.value.disconnected);
    logger.debug({ event: 'heartbeat', used: outcome.value.used, lease: outcome.value.lease });
    publish();
  }

  const refresh = async () => {
    for (const { licenseId, result } of await agent.refresh()) {
      if (result.ok)
        logger.info({ event: 'certificate_refreshed', licenseId, until: result.value.certificateExpiresAt });
      else
        logger.warn(
          { event: 'certificate_not_refreshed', licenseId, code: result.error.code },
          result.error.detail,
        );
    }
    publish();
  };
  const refresher = setInterval(
    () => void refresh().catch(() => undefined),
    options.refreshIntervalMs ?? 3_600_000,
  );
  void refresh().catch(() => undefined);

  publish();
  const done = gatekeeper.run();
  return {
    gatekeeper,
    done,
    reload: () => {
      const before = agent.usage().subscription?.subscriptionId;
      agent.reload();
      if (agent.usage().subscription?.subscriptionId !== before && gatekeeper.attached) restartHeartbeats();
      publish();
    },
    stop: () => {
      gatekeeper.stop();
      stopHeartbeats?.();
      clearInterval(refresher);
      clearTimeout(published);
      claim.release();
    },
  };
}
