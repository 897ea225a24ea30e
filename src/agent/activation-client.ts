import { randomBytes } from 'node:crypto';
import { ACTIVATION_REFERENCES, type LicenseState, OfflineAnswer } from '../contract/activation.js';
import { checker } from '../contract/check.js';
import type { Clock } from '../domain/clock.js';
import { fail, ok, type Result } from '../domain/errors.js';
import type { MachineProperties } from '../domain/fingerprint.js';
import { shownKey } from '../domain/key-status.js';
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
    const { certificate, revision } = answer.value;
    return this.#install(certificate, key, (certified) => certified === nonce, revision);
  }

  #install(
    certificate: unknown,
    key: string,
    requested: (nonce: string) => boolean,
    revision?: string,
  ): Result<LicenseReport> {
    const { book, clock, reload } = this.#deps;
    const stored = book.store(certificate, key, requested, revision);
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
    const answer =
      'certificate' in read.value ? read.value : { certificate: read.value, revision: undefined };
    const { certificate, revision } = answer;
    const pending = state.loadPendingOffline();
    const request = pending.find((entry) => entry.nonce === certificate.payload.nonce);
    const installed = this.#install(certificate, request?.key ?? '', () => request !== undefined, revision);
    if (installed.ok) state.savePendingOffline(pending.filter((entry) => entry !== request));
    return installed;
  }

  /**
   * Asks the service after every license (one cheap request each) and gets a fresh certificate for
   * each the service changed since its certificate (a renewal, a replacement), each past half its
   * life, or all of them with `force`; a key the service says has stopped stops counting here.
   * Lists what it asked certificates for, and what failed.
   */
  async refresh(options: { force?: boolean } = {}): Promise<RefreshOutcome[]> {
    const { link, trust, book, clock, reload } = this.#deps;
    const url = link.serviceUrl;
    if (url === undefined) return [];
    const trusted = trust.require();
    if (!trusted.ok)
      return book.judged.map(({ stored }) => ({
        licenseId: stored.licenseId,
        changed: false,
        result: trusted,
      }));
    const client = link.client(url);
    const due = new Set(book.due(clock.now(), options.force === true).map(({ stored }) => stored.licenseId));
    const outcomes: RefreshOutcome[] = [];
    for (const { stored, payload } of [...book.judged]) {
      const { licenseId } = stored;
      const failover = payload?.kind === 'failover';
      const checked = await client.licenseState({ key: stored.key, serverId: link.serverId });
      // A service older than the check does not know its route: certificates are renewed by age alone.
      if (!checked.ok && checked.error.code !== 'route_not_found') {
        outcomes.push({ licenseId, changed: false, result: checked });
        continue;
      }
      const state = checked.ok ? checked.value : undefined;
      if (state !== undefined) book.note(licenseId, state);
      // A stopped key gets no certificate: said once, when the service first says so.
      if (state?.status === 'revoked') {
        if (stored.service?.status !== 'revoked')
          outcomes.push({ licenseId, changed: true, result: fail('license_revoked', revokedDetail(state)) });
        continue;
      }
      const changed = state !== undefined && state.revision !== stored.revision;
      if (changed || due.has(licenseId))
        outcomes.push({
          licenseId,
          changed,
          result: await this.#exchange(client, 'refresh', stored.key, failover),
        });
    }
    reload();
    return outcomes;
  }
}

/** A license the agent asked the service after, and what came of it. */
export interface RefreshOutcome {
  licenseId: string;
  /** The service changed the key since its certificate here (a renewal, a replacement, a revocation). */
  changed: boolean;
  /** The fresh certificate, or why there is none. */
  result: Result<LicenseReport>;
}

const revokedDetail = (state: LicenseState): string =>
  state.replacedBy === null
    ? 'The license service revoked this key: it no longer counts on this server.'
    : `This key was replaced by the key ${shownKey(state.replacedBy.keyHint)} (${state.replacedBy.licenseId}) and has stopped: activate the new key in its place.`;
