import type { Clock } from '../domain/clock.js';
import { ServiceClient } from './service-client.js';
import type { AgentIdentity, AgentState } from './state.js';

/**
 * Who this server is to the service and where the service is: the identity in the state directory,
 * the service URL it pins at its first activation or joining, and one client for that URL.
 */
export class ServiceLink {
  readonly #state: AgentState;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch | undefined;
  #identity: AgentIdentity;
  #client: { url: string; client: ServiceClient } | undefined;

  constructor(state: AgentState, clock: Clock, fetchImpl: typeof fetch | undefined) {
    this.#state = state;
    this.#clock = clock;
    this.#fetch = fetchImpl;
    this.#identity = state.loadIdentity(clock);
  }

  get serverId(): string {
    return this.#identity.serverId;
  }

  get serviceUrl(): string | undefined {
    return this.#identity.serviceUrl;
  }

  /** Another command may have set the service URL since this one started. */
  reload(): void {
    this.#identity = this.#state.loadIdentity(this.#clock);
  }

  /** One client per service URL list, so that it remembers which instance answered last. */
  client(url: string): ServiceClient {
    if (this.#client?.url !== url) this.#client = { url, client: new ServiceClient(url, this.#fetch) };
    return this.#client.client;
  }

  /** Keeps `url` as this server's service, for the refreshes and heartbeats that follow. */
  pin(url: string): void {
    if (this.#identity.serviceUrl === url) return;
    this.#identity = { ...this.#identity, serviceUrl: url };
    this.#state.saveIdentity(this.#identity);
  }
}
