import type { Grant } from './certificate.js';

/**
 * Seats: how many tunnels an enforcement point may hold at an instant. Built-in seats come with
 * the product; grants add seats inside their windows. Access Server's 2 built-in connections stop
 * counting once a purchased key is active; a gateway's built-in seats always add.
 */
export interface SeatPolicy {
  builtInSeats: number;
  builtInAlwaysCounts: boolean;
}

export const ACCESS_SERVER_POLICY: SeatPolicy = { builtInSeats: 2, builtInAlwaysCounts: false };

/** An EnGenius ESG gateway: 2 free built-in SecuPoint VPN user seats, on top of every license. */
export const GATEWAY_POLICY: SeatPolicy = { builtInSeats: 2, builtInAlwaysCounts: true };

export interface Capacity {
  seats: number;
  /** The grants that count now. */
  counting: Grant[];
  /** The next instant (ms) at which the capacity can change; callers may cache until then. */
  changesAt: number;
}

const grantEnd = (grant: Grant): number =>
  Math.min(grant.ends.getTime(), grant.certificateExpiresAt.getTime());

export function capacityAt(
  grants: readonly Grant[],
  now: Date,
  policy: SeatPolicy = ACCESS_SERVER_POLICY,
): Capacity {
  const at = now.getTime();
  const counting: Grant[] = [];
  let changesAt = Number.POSITIVE_INFINITY;
  for (const grant of grants) {
    const starts = grant.starts.getTime();
    const ends = grantEnd(grant);
    if (starts <= at && at < ends) counting.push(grant);
    for (const boundary of [starts, ends]) if (boundary > at && boundary < changesAt) changesAt = boundary;
  }
  const purchased = counting.reduce((sum, grant) => sum + grant.seats, 0);
  const builtIn = policy.builtInAlwaysCounts || counting.length === 0 ? policy.builtInSeats : 0;
  return { seats: purchased + builtIn, counting, changesAt };
}
