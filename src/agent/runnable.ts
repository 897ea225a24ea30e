import type { Logger } from 'pino';
import type { Admitter } from './openvpn/decisions.js';

/**
 * What the runner needs of an agent, whatever its profile (a VPN server's, a gateway's): the
 * gatekeeper's admission, when its capacity changes on its own, and its own upkeep with the
 * service (heartbeats and certificates, or statements), started by the runner.
 */
export interface RunnableAgent extends Admitter {
  readonly simulatedMachine?: string | undefined;
  /** Milliseconds until the capacity can change with no event. */
  untilCapacityChanges(): number;
  startUpkeep(context: UpkeepContext): Upkeep;
}

/** What an agent's upkeep may do to the running agent. */
export interface UpkeepContext {
  logger: Logger;
  /** The usage changed: published for `agent usage` soon. */
  publish: () => void;
  /** Tunnels ordered off by the service: the OpenVPN server disconnects them. */
  disconnect: (tunnelIds: readonly string[]) => void;
  /** Whether the gatekeeper is attached to the OpenVPN server now. */
  attached: () => boolean;
  /** How often the service is asked whether the licenses changed, where the profile asks on a timer. */
  checkIntervalMs: number;
}

export interface Upkeep {
  /** The gatekeeper (re)attached: the tunnels were counted anew. */
  attached(): void;
  /** Reads the state directory again (SIGHUP); throws when it cannot, the agent going on as it was. */
  reload(): void;
  stop(): void;
}
