import type { Grant } from './certificate.js';
import type { LicenseKind } from './gateway-license.js';
import { type Capacity, capacityAt, GATEWAY_POLICY } from './seats.js';
import type { Window } from './terms.js';

/**
 * A gateway's VPN seats at an instant, on the one seat engine: each license bound to the gateway
 * becomes a grant with its term as window, and `capacityAt` adds the grants that overlap the
 * instant to the 2 built-in seats, which always count on a gateway.
 */
export interface GatewayBinding {
  licenseId: string;
  /** The last group of the key the license came from, as grants name their key. */
  keyHint: string;
  kind: LicenseKind;
  users: number;
  term: Window;
  /**
   * A license shared by several gateways (its owner and its replicas alike): the seats this gateway
   * holds of the license's pool, and until when (a lease-mode lease). Absent while the license is
   * this gateway's alone, which then counts all its users.
   */
  lease?: { seats: number; until: Date };
  /** A license still Merging: the statement vouches for it only this long (see gateway-statement.ts). */
  trustedUntil?: Date;
}

/**
 * The grants a gateway's bindings give. A Merging license counts like a Merged one: the undo week
 * changes who may remove it, not what it gives. Pro licenses give no grant, so their expiry
 * changes no seat. `validUntil` is how long the statement carrying them is trusted (the agent's
 * side); the service, counting from its own store, leaves it out.
 */
export function gatewayGrants(bindings: readonly GatewayBinding[], validUntil?: Date): Grant[] {
  const grants: Grant[] = [];
  for (const binding of bindings) {
    if (binding.kind !== 'secupoint') continue;
    const { lease } = binding;
    const seats = lease === undefined ? binding.users : Math.max(0, Math.min(lease.seats, binding.users));
    const trustedUntil = [binding.term.ends, lease?.until, binding.trustedUntil, validUntil]
      .filter((instant) => instant !== undefined)
      .reduce((earliest, instant) => (instant.getTime() < earliest.getTime() ? instant : earliest));
    grants.push({
      licenseId: binding.licenseId,
      keyHint: binding.keyHint,
      seats,
      starts: binding.term.starts,
      ends: binding.term.ends,
      certificateExpiresAt: trustedUntil,
    });
  }
  return grants;
}

/** The "SecuPoint VPN Client" maximum of a gateway at `now`: 2 + its active licenses + its leases. */
export const gatewaySeats = (bindings: readonly GatewayBinding[], now: Date, validUntil?: Date): Capacity =>
  capacityAt(gatewayGrants(bindings, validUntil), now, GATEWAY_POLICY);

/** The device page's first line, as EnGenius's console heads it: the maximum and where it comes from. */
export const secupointVpnClientLine = ({ maximum, builtIn }: { maximum: number; builtIn: number }): string =>
  `SecuPoint VPN Client: maximum ${maximum} (${builtIn} built-in + ${maximum - builtIn} from licenses)`;
