import type { HeartbeatAnswer, HeartbeatRequest } from '../../contract/subscriptions.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import type { ServiceContext } from '../context.js';
import type { SubscriptionRow } from '../store/schema.js';
import { type GrantFigures, grantFor } from './grants.js';
import type { Report } from './repository.js';

/** A heartbeat whose clock is further off than this is refused: its connect times cannot be trusted. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export type { HeartbeatAnswer, HeartbeatRequest };

/** A report the service can count: a clock close to its own, each tunnel once, none from the future. */
export function checkReport(request: HeartbeatRequest, now: Date): Result<void> {
  const skew = request.sentAt - now.getTime();
  if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
    return fail(
      'clock_skew',
      `The server's clock is ${Math.round(skew / 1000)} s off the service's: set it right (NTP) and try again.`,
      'sentAt',
    );
  }
  const ids = new Set<string>();
  for (const tunnel of request.tunnels) {
    if (ids.has(tunnel.id))
      return fail('validation_failed', `Tunnel ${tunnel.id} is reported twice.`, 'tunnels');
    ids.add(tunnel.id);
    if (tunnel.connectedAt > request.sentAt + 1000) {
      return fail(
        'validation_failed',
        `Tunnel ${tunnel.id} connected after the heartbeat was sent.`,
        'tunnels',
      );
    }
  }
  return ok(undefined);
}

export const notMember = () =>
  fail('not_pool_member', 'This server has not joined the subscription: activate it first.', 'serverId');

/**
 * A heartbeat whose sequence is older than the stored one, or further ahead than its clock allows,
 * changes nothing; the answer says which sequence is stored, so the agent continues above it.
 */
export function outOfOrder(
  verdict: 'old' | 'ahead',
  stored: number,
  request: HeartbeatRequest,
): Result<never> {
  const detail =
    verdict === 'old'
      ? `Sequence ${request.sequence} is older than the stored ${stored}: send one above it.`
      : `Sequence ${request.sequence} is ahead of the server’s clock and of the stored ${stored}: send one above the stored one.`;
  return {
    ok: false,
    error: { ...fail('heartbeat_out_of_order', detail, 'sequence').error, storedSequence: stored },
  };
}

/** The member row as a heartbeat leaves it; only a sequence that follows the stored one changes it. */
export const reported = (request: HeartbeatRequest, at: number): Report => ({
  last_heartbeat_at: at,
  last_sequence: request.sequence,
  tunnel_count: request.tunnels.length,
  tunnels: JSON.stringify(request.tunnels.map(({ id, connectedAt }) => ({ id, connectedAt }))),
});

export function answerOf(
  ctx: ServiceContext,
  subscription: SubscriptionRow,
  serverId: string,
  now: Date,
  outcome: GrantFigures & { disconnect: string[]; leaseExpiresAt: number | null },
): HeartbeatAnswer {
  const { used, disconnect, lease, leaseExpiresAt } = outcome;
  return {
    mode: subscription.mode,
    connections: subscription.seats,
    used,
    disconnect,
    lease,
    leaseExpiresAt: leaseExpiresAt === null ? null : new Date(leaseExpiresAt).toISOString(),
    nextHeartbeatInMs: subscription.heartbeat_interval_ms,
    periodEnds: new Date(subscription.period_ends_at).toISOString(),
    answeredAt: now.toISOString(),
    grant: grantFor(ctx, subscription, serverId, now, outcome),
  };
}
