/**
 * Shared pools: one subscription's seats drawn on by many servers at once. These are the rules the
 * service applies to what the servers report; they read no clock and touch no store.
 */
export type EnforcementMode = 'reconcile' | 'lease';
export type EnforcementOrder = 'newest' | 'oldest';

export interface PoolTunnel {
  serverId: string;
  id: string;
  /** Milliseconds since the epoch, as the server reported it. */
  connectedAt: number;
}

/** Newest first (or oldest first); ties broken by server and tunnel id so every process agrees. */
function enforcementRank(order: EnforcementOrder) {
  const direction = order === 'newest' ? -1 : 1;
  return (a: PoolTunnel, b: PoolTunnel): number =>
    (a.connectedAt - b.connectedAt) * direction ||
    (a.serverId < b.serverId ? -1 : a.serverId > b.serverId ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Reconcile mode: the tunnels to disconnect so that the pool is back within its seats, exactly as
 * many as it is over, chosen across the whole pool by its order. With 100 seats, 30 tunnels on A
 * and 71 on B, that is the one tunnel that connected last, wherever it is.
 */
export function tunnelsToDisconnect(
  tunnels: readonly PoolTunnel[],
  seats: number,
  order: EnforcementOrder,
): PoolTunnel[] {
  const excess = tunnels.length - seats;
  if (excess <= 0) return [];
  return [...tunnels].sort(enforcementRank(order)).slice(0, excess);
}

/**
 * Lease mode: the lease a member may hold after asking for `wanted` seats, given what the other
 * live members hold. It never makes the sum of leases exceed the pool; a member may always shrink.
 */
export function grantLease(pool: { seats: number; leasedByOthers: number }, wanted: number): number {
  const free = Math.max(0, pool.seats - pool.leasedByOthers);
  return Math.max(0, Math.min(wanted, free));
}

/** A member that has not sent a heartbeat for three intervals is out of the pool. */
export const MISSED_INTERVALS = 3;

/** Members whose last heartbeat is after this instant are live. */
export const liveSince = (now: number, intervalMs: number): number => now - intervalMs * MISSED_INTERVALS;

export const isLive = (lastHeartbeatAt: number, now: number, intervalMs: number): boolean =>
  lastHeartbeatAt > liveSince(now, intervalMs);

/**
 * What a heartbeat's sequence does to a member's stored one. Agents send max(stored + 1, their
 * clock in ms), so a sequence may pass the clock it was sent at only as the very next one: a single
 * heartbeat cannot push a server so far ahead that all its real heartbeats would be old. A repeat
 * of the stored sequence (a retry whose answer was lost) changes nothing and is answered again.
 */
export type SequenceVerdict = 'apply' | 'repeat' | 'old' | 'ahead';

/** The lowest stored sequence a heartbeat may follow: any, or only the one before it once ahead of its clock. */
export const lowestPrior = (sequence: number, sentAt: number): number =>
  sequence <= sentAt ? 0 : sequence - 1;

export function judgeSequence(stored: number, sequence: number, sentAt: number): SequenceVerdict {
  if (sequence === stored) return 'repeat';
  if (sequence < stored) return 'old';
  return stored < lowestPrior(sequence, sentAt) ? 'ahead' : 'apply';
}
