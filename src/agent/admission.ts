import { LIMIT_EXCEEDED_MESSAGE } from '../domain/errors.js';

/** A VPN tunnel as the server reports it. Tunnels hold seats; users and devices do not. */
export interface TunnelInfo {
  id: string;
  user?: string;
  address?: string;
}

export interface Tunnel extends TunnelInfo {
  connectedAt: Date;
}

export type AdmitOutcome =
  | { admitted: true; tunnel: Tunnel }
  | { admitted: false; code: 'license_limit_exceeded'; message: string };

/** Every refusal is the same answer: one frozen object, not one made per refused tunnel. */
const REFUSED: AdmitOutcome = Object.freeze({
  admitted: false,
  code: 'license_limit_exceeded',
  message: LIMIT_EXCEEDED_MESSAGE,
});

/**
 * The tunnel as held, its fields named one by one: spreading the caller's object instead made
 * admit+release about ten times slower (a copy of an object of unknown shape).
 */
const tunnelOf = ({ id, user, address }: TunnelInfo, connectedAt: Date): Tunnel =>
  user === undefined && address === undefined
    ? { id, connectedAt }
    : {
        id,
        ...(user === undefined ? {} : { user }),
        ...(address === undefined ? {} : { address }),
        connectedAt,
      };

/**
 * Admission of tunnels against a capacity, in memory and O(1): a map of the tunnels holding seats.
 * A tunnel id admitted twice holds one seat, so a client that reconnects never leaks seats.
 */
export class Admission {
  readonly #tunnels = new Map<string, Tunnel>();
  readonly #capacity: () => number;
  readonly #now: () => Date;

  constructor(capacity: () => number, now: () => Date) {
    this.#capacity = capacity;
    this.#now = now;
  }

  admit(info: TunnelInfo): AdmitOutcome {
    const held = this.#tunnels.get(info.id);
    if (held !== undefined) return { admitted: true, tunnel: held };
    // A capacity that shrank below the tunnels up (a key that ended) drops no one; it admits no one new.
    if (this.#tunnels.size >= this.#capacity()) return REFUSED;
    const tunnel = tunnelOf(info, this.#now());
    this.#tunnels.set(info.id, tunnel);
    return { admitted: true, tunnel };
  }

  /**
   * Counts a tunnel that is already up (found when the agent starts beside a running VPN server),
   * whatever the capacity: it was admitted before, and dropping it is the pool's call, not ours.
   */
  adopt(info: TunnelInfo, connectedAt: Date): Tunnel {
    const tunnel = tunnelOf(info, connectedAt);
    this.#tunnels.set(info.id, tunnel);
    return tunnel;
  }

  /** The same identity connected again and its old session goes: the new one takes its seat. */
  replace(oldId: string, info: TunnelInfo): AdmitOutcome {
    if (!this.#tunnels.delete(oldId)) return this.admit(info);
    const tunnel = tunnelOf(info, this.#now());
    this.#tunnels.set(info.id, tunnel);
    return { admitted: true, tunnel };
  }

  /** Frees the tunnel's seat; false when it held none. */
  release(id: string): boolean {
    return this.#tunnels.delete(id);
  }

  get connected(): number {
    return this.#tunnels.size;
  }

  tunnels(): Tunnel[] {
    return [...this.#tunnels.values()];
  }
}
