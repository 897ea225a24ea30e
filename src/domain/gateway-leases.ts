import { type SharedLicensePool, shareLease } from './gateway-sharing.js';
import { MISSED_INTERVALS } from './pools.js';

/**
 * What an enrolled gateway leases of the shared licenses it is bound to. It asks for its statement
 * every GATEWAY_REFRESH_MS; each answer renews its leases for three of those, so a gateway that
 * stops asking frees its seats for the others soon, and one missed answer costs nothing.
 */
export const GATEWAY_REFRESH_MS = 5 * 60_000;
export const GATEWAY_LEASE_TTL_MS = GATEWAY_REFRESH_MS * MISSED_INTERVALS;

/** Seats a gateway holds beyond its tunnels, so that most new tunnels need no round trip. */
export const LEASE_BLOCK = 5;

/** What the gateway says when it asks: tunnels up now, and how many seats it would hold in all. */
export interface SeatRequest {
  connected: number;
  wanted?: number | undefined;
}

/**
 * The seats a gateway needs of its shared pools: what it wants in all (by default its tunnels and
 * a block ahead) beyond what it has alone (2 built-in + its own unshared active licenses).
 */
export const sharedNeed = (request: SeatRequest, unsharedSeats: number): number =>
  Math.max(0, (request.wanted ?? request.connected + LEASE_BLOCK) - unsharedSeats);

/** One shared license the gateway is in: its pool, and the live leases of its members now. */
export interface LeaseCandidate {
  pool: SharedLicensePool;
  /** Device id to seats, of the leases that have not run out. */
  leases: ReadonlyMap<string, number>;
  /** False when the license's term does not cover now: nothing is leased of it. */
  active: boolean;
}

/**
 * How the need splits over the shared licenses, taken from them in the order given: each gives
 * what it can (never more than its pool has free beside the other members' leases), the next
 * gives the rest. A license the gateway needs nothing of gets 0, which releases what it held.
 */
export function planLeases(
  need: number,
  candidates: readonly LeaseCandidate[],
  deviceId: string,
): Map<string, number> {
  const plan = new Map<string, number>();
  let remaining = Math.max(0, need);
  for (const { pool, leases, active } of candidates) {
    const seats = shareLease(pool, leases, deviceId, active ? remaining : 0);
    plan.set(pool.licenseId, seats);
    remaining -= seats;
  }
  return plan;
}
