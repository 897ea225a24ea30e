import type { Result } from '../domain/errors.js';
import type { RefreshOutcome } from './activation-client.js';
import type { HeartbeatOutcome, SubscriptionReport } from './pool-sync.js';
import type { Upkeep, UpkeepContext } from './runnable.js';

/** What a VPN server's upkeep needs of its agent (see `Agent`). */
export interface ServerUpkeepAgent {
  usage(): { subscription: SubscriptionReport | null };
  reload(): void;
  heartbeat(): Promise<Result<HeartbeatOutcome>>;
  startHeartbeats(onOutcome: (outcome: Result<HeartbeatOutcome>) => void): () => void;
  refresh(): Promise<RefreshOutcome[]>;
}

/**
 * A VPN server's upkeep while `agent run` decides its connections: heartbeats to its pool from the
 * first count on (tunnels ordered off go down), and its certificates kept fresh at every check.
 */
export function serverUpkeep(agent: ServerUpkeepAgent, context: UpkeepContext): Upkeep {
  const { logger, publish } = context;

  function report(outcome: Result<HeartbeatOutcome>): void {
    if (!outcome.ok) {
      logger.warn({ event: 'heartbeat_failed', code: outcome.error.code }, outcome.error.detail);
      return;
    }
    context.disconnect(outcome.value.disconnected);
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
  const refresher = setInterval(() => void refresh(), context.checkIntervalMs);
  void refresh();

  return {
    attached: restartHeartbeats,
    reload: () => {
      const before = agent.usage().subscription?.subscriptionId;
      agent.reload();
      if (agent.usage().subscription?.subscriptionId !== before && context.attached()) restartHeartbeats();
      // Asked by another command (`agent refresh`): the pool hears from this server now.
      else if (agent.usage().subscription !== null && context.attached()) void heartbeatNow();
    },
    stop: () => {
      stopHeartbeats?.();
      clearInterval(refresher);
    },
  };
}
