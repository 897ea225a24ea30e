import { fail, ok, type Result } from '../domain/errors.js';
import type { MachineProperties } from '../domain/fingerprint.js';
import type { PoolAnswerFromService } from './pool-membership.js';

export interface ActivationAnswer {
  licenseId: string;
  activationId: string;
  created: boolean;
  certificate: unknown;
}

export interface SigningKey {
  kid: string;
  publicKeyPem: string;
}

/**
 * The agent's side of the service's HTTP API. Refusals come back as the service's codes. Given
 * several service URLs (comma-separated), a request that cannot reach one instance goes to the
 * next, and the client stays with the one that answered; every request it sends is idempotent.
 */
export class ServiceClient {
  readonly #bases: string[];
  readonly #fetch: typeof fetch;
  #preferred = 0;

  constructor(baseUrls: string, fetchImpl: typeof fetch = fetch) {
    this.#bases = baseUrls
      .split(',')
      .map((url) => url.trim().replace(/\/+$/, ''))
      .filter((url) => url !== '');
    this.#fetch = fetchImpl;
  }

  async #call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Result<T>> {
    const failures: string[] = [];
    for (let attempt = 0; attempt < this.#bases.length; attempt++) {
      const index = (this.#preferred + attempt) % this.#bases.length;
      const base = this.#bases[index] as string;
      let response: Response;
      try {
        response = await this.#fetch(`${base}${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (error) {
        failures.push(`${base}: ${(error as Error).cause ?? (error as Error).message}`);
        continue;
      }
      // An instance that answers but cannot serve (5xx, a proxy's 502) is skipped like one that is down.
      if (response.status >= 500 && attempt < this.#bases.length - 1) {
        failures.push(`${base}: answered ${response.status}`);
        await response.body?.cancel();
        continue;
      }
      this.#preferred = index;
      return this.#read<T>(base, response);
    }
    return fail(
      'service_unreachable',
      `Cannot reach the license service at ${failures.join('; ') || 'no URL given'}`,
    );
  }

  async #read<T>(base: string, response: Response): Promise<Result<T>> {
    const payload = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (response.ok && payload !== undefined) return ok(payload as T);
    if (payload !== undefined && typeof payload.code === 'string' && typeof payload.detail === 'string') {
      const refused = fail(
        payload.code as never,
        payload.detail,
        typeof payload.field === 'string' ? payload.field : undefined,
      );
      // A heartbeat out of order names the sequence to continue above.
      if (Number.isSafeInteger(payload.storedSequence))
        refused.error.storedSequence = payload.storedSequence as number;
      return refused;
    }
    return fail(
      'service_unreachable',
      `The license service at ${base} answered ${response.status} without a usable body.`,
    );
  }

  signingKeys(): Promise<Result<{ keys: SigningKey[] }>> {
    return this.#call('GET', '/v1/signing-keys');
  }

  activate(request: {
    key: string;
    serverId: string;
    fingerprint: MachineProperties;
    nonce: string;
    failover?: boolean;
  }): Promise<Result<ActivationAnswer>> {
    return this.#call('POST', '/v1/activations', request);
  }

  joinSubscription(request: { key: string; serverId: string; fingerprint: MachineProperties }): Promise<
    Result<{
      subscriptionId: string;
      connections: number;
      mode: 'reconcile' | 'lease';
      heartbeatIntervalMs: number;
      graceMs: number;
      periodEnds: string;
      grant: unknown;
    }>
  > {
    return this.#call('POST', '/v1/subscriptions/activations', request);
  }

  heartbeat(request: {
    key: string;
    serverId: string;
    sequence: number;
    sentAt: number;
    tunnels: { id: string; connectedAt: number }[];
    wanted?: number;
  }): Promise<Result<PoolAnswerFromService>> {
    return this.#call('POST', '/v1/heartbeats', request);
  }

  refresh(request: {
    key: string;
    serverId: string;
    fingerprint: MachineProperties;
    nonce: string;
    failover?: boolean;
  }): Promise<Result<ActivationAnswer>> {
    return this.#call('POST', '/v1/activations/refresh', request);
  }
}
