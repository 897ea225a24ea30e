import { randomBytes } from 'node:crypto';
import { ACTIVATION_REFERENCES, OfflineAnswer } from '../contract/activation.js';
import { checker } from '../contract/check.js';
import type { Clock } from '../domain/clock.js';
import { fail, ok, type Result } from '../domain/errors.js';
import type { MachineProperties } from '../domain/fingerprint.js';
import { parseLicenseKey } from '../domain/license-key.js';
import type { VendorTrust } from './installation.js';
import type { LicenseBook, LicenseReport } from './license-book.js';
import type { ServiceClient } from './service-client.js';
import type { ServiceLink } from './service-link.js';
import type { AgentState } from './state.js';

export interface ActivationDeps {
  state: AgentState;
  link: ServiceLink;
  book: LicenseBook;
  trust: VendorTrust;
  machine: MachineProperties;
  clock: Clock;
  /** Reads the state directory again, once a certificate is stored. */
  reload: () => void;
}

const OFFLINE_ANSWER = checker(OfflineAnswer, ACTIVATION_REFERENCES);

const newNonce = (): string => randomBytes(16).toString('base64url');

/**
 * How license keys become certificates in the book: online activation and refresh against the
 * service, or offline through a request and an answer carried by hand.
 */
export class ActivationClient {
  readonly #deps: ActivationDeps;

  constructor(deps: ActivationDeps) {
    this.#deps = deps;
  }

  /**
   * Activates a key (or confirms an existing binding) and stores the certificate the service signed.
   * `failover`: this is an integrated standby server, and the key is the failover key of its primary's.
   */
  async activate(
    typedKey: string,
    serviceUrl?: string,
    options: { failover?: boolean } = {},
  ): Promise<Result<LicenseReport>> {
    const { link, trust } = this.#deps;
    const key = parseLicenseKey(typedKey);
    if (!key.ok) return key;
    const url = serviceUrl ?? link.serviceUrl;
    if (url === undefined)
      return fail(
        'validation_failed',
        'Give the license service URL (--service) for the first activation.',
        'service',
      );
    // Checked before the service binds the key to a server that could not verify its certificate.
    const trusted = trust.require();
    if (!trusted.ok) return trusted;
    const client = link.client(url);
    link.pin(url);
    return this.#exchange(client, 'activate', typedKey, options.failover === true);
  }

  async #exchange(
    client: ServiceClient,
    kind: 'activate' | 'refresh',
    key: string,
    failover: boolean,
  ): Promise<Result<LicenseReport>> {
    const { link, machine } = this.#deps;
    const nonce = newNonce();
    const request = {
      key,
      serverId: link.serverId,
      fingerprint: machine,
      nonce,
      ...(failover ? { failover } : {}),
    };
    const answer = kind === 'activate' ? await client.activate(request) : await client.refresh(request);
    if (!answer.ok) return answer;
    return this.#install(answer.value.certificate, key, (certified) => certified === nonce);
  }

  #install(certificate: unknown, key: string, requested: (nonce: string) => boolean): Result<LicenseReport> {
    const { book, clock, reload } = this.#deps;
    const stored = book.store(certificate, key, requested);
    if (!stored.ok) return stored;
    reload();
    const report = book.licenses(clock.now()).find((license) => license.licenseId === stored.value);
    return report === undefined
      ? fail('certificate_invalid', 'The stored certificate could not be read back.')
      : ok(report);
  }

  /**
   * Offline activation, first step: the request for a server with no route to the service, for
   * someone who has one to submit. Its nonce is kept, so that only the answer to it is imported.
   * Its shape is the contract's `OfflineRequest`, which `Agent.offlineRequest` declares it returns.
   */
  offlineRequest(typedKey: string, options: { failover?: boolean } = {}) {
    const { state, link, machine } = this.#deps;
    const key = parseLicenseKey(typedKey);
    if (!key.ok) return key;
    const nonce = newNonce();
    state.savePendingOffline([...state.loadPendingOffline(), { nonce, key: typedKey.trim() }]);
    return ok({
      format: 'seatkeeper-offline-request/1' as const,
      key: typedKey.trim(),
      serverId: link.serverId,
      fingerprint: machine,
      nonce,
      ...(options.failover === true ? { failover: true } : {}),
    });
  }

  /**
   * Offline activation, last step: installs the certificate the service answered a request of
   * this server with. One edited by hand, made for another machine, or answering no request of
   * this server is refused, saying why.
   */
  offlineImport(file: unknown): Result<LicenseReport> {
    const { state, trust } = this.#deps;
    const trusted = trust.require();
    if (!trusted.ok) return trusted;
    const read = OFFLINE_ANSWER(file);
    if (!read.ok)
      return fail(
        'certificate_invalid',
        `The file is damaged or not a Seatkeeper license certificate (${read.wrong}).`,
      );
    const certificate = 'certificate' in read.value ? read.value.certificate : read.value;
    const pending = state.loadPendingOffline();
    const request = pending.find((entry) => entry.nonce === certificate.payload.nonce);
    const installed = this.#install(certificate, request?.key ?? '', () => request !== undefined);
    if (installed.ok) state.savePendingOffline(pending.filter((entry) => entry !== request));
    return installed;
  }

  /**
   * Asks for fresh certificates for licenses whose certificate is past half its life (or all of
   * them with `force`), so a reachable service always renews well before the TTL runs out.
   */
  async refresh(
    options: { force?: boolean } = {},
  ): Promise<{ licenseId: string; result: Result<LicenseReport> }[]> {
    const { link, trust, book, clock } = this.#deps;
    const url = link.serviceUrl;
    if (url === undefined) return [];
    const trusted = trust.require();
    if (!trusted.ok)
      return book.judged.map(({ stored }) => ({ licenseId: stored.licenseId, result: trusted }));
    const client = link.client(url);
    const results = [];
    for (const { stored, payload } of book.due(clock.now(), options.force === true))
      results.push({
        licenseId: stored.licenseId,
        result: await this.#exchange(client, 'refresh', stored.key, payload?.kind === 'failover'),
      });
    return results;
  }
}
