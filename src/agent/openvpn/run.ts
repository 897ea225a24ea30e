import type { Logger } from 'pino';
import type { Result } from '../../domain/errors.js';
import type { Agent, HeartbeatOutcome } from '../agent.js';
import { AgentState } from '../state.js';
import { Gatekeeper } from './gatekeeper.js';
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
 * `agent run`: the long-running agent beside one OpenVPN server. Holds the state directory for
 * itself, decides connections through the management interface, reports to its pool and keeps its
 * certificates fresh, and publishes its tunnels for `agent usage` in other processes.
 */
export function runAgent(agent: Agent, options: RunOptions): RunningAgent {
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

  function report(outcome: Result<HeartbeatOutcome>): void {
    if (!outcome.ok) {
      logger.warn({ event: 'heartbeat_failed', code: outcome.error.code }, outcome.error.detail);
      return;
    }
    gatekeeper.disconnect(outcome.value.disconnected);
    logger.debug({ event: 'heartbeat', used: outcome.value.used, lease: outcome.value.lease });
    publish();
  }

  // A heartbeat throws only on a local fault (the state directory cannot be written).
  const heartbeatNow = () =>
    agent
      .heartbeat()
      .then(report)
      .catch((error: unknown) => logger.error({ event: 'heartbeat_failed' }, (error as Error).message));

  let stopHeartbeats: (() => void) | undefined;
  /** Heartbeats at the subscription's interval, from the first count on; a new subscription restarts them. */
  const restartHeartbeats = () => {
    stopHeartbeats?.();
    stopHeartbeats = undefined;
    if (agent.usage().subscription === null) return;
    // The pool hears the count at once, then at every interval.
    void heartbeatNow();
    stopHeartbeats = agent.startHeartbeats(report);
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
      restartHeartbeats();
    },
  });

  const refresh = async () => {
    try {
      for (const { licenseId, changed, result } of await agent.refresh()) {
        if (result.ok)
          logger.info({
            event: 'certificate_refreshed',
            licenseId,
            changed,
            until: result.value.certificateExpiresAt,
          });
        else
          logger.warn(
            { event: 'certificate_not_refreshed', licenseId, changed, code: result.error.code },
            result.error.detail,
          );
      }
    } catch (error) {
      logger.error({ event: 'certificate_not_refreshed' }, (error as Error).message);
    }
    publish();
  };
  const refresher = setInterval(() => void refresh(), options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS);
  void refresh();

  publishNow();
  const done = gatekeeper.run();
  return {
    gatekeeper,
    done,
    reload: () => {
      const before = agent.usage().subscription?.subscriptionId;
      try {
        agent.reload();
      } catch (error) {
        // The agent goes on with what it had; the files are for the administrator to fix.
        logger.error({ event: 'reload_failed' }, (error as Error).message);
        return;
      }
      if (agent.usage().subscription?.subscriptionId !== before && gatekeeper.attached) restartHeartbeats();
      // Asked by another command (`agent refresh`): the pool hears from this server now.
      else if (agent.usage().subscription !== null && gatekeeper.attached) void heartbeatNow();
      const { connected, licensed } = agent.usage();
      logger.info({ event: 'reloaded', connected, licensed }, 'licenses read again');
      publishNow();
    },
    stop: () => {
      gatekeeper.stop();
      stopHeartbeats?.();
      clearInterval(refresher);
      clearTimeout(published);
      clearTimeout(republish);
      claim.release();
    },
  };
}
