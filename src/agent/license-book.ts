import type { LicenseState } from '../contract/activation.js';
import {
  type CertificatePayload,
  checkBinding,
  type Grant,
  verifyCertificate,
} from '../domain/certificate.js';
import { type ErrorCode, fail, ok, type Result } from '../domain/errors.js';
import type { Fingerprint } from '../domain/fingerprint.js';
import { isId } from '../domain/ids.js';
import { readableInstant, shownKey } from '../domain/key-status.js';
import type { VendorTrust } from './installation.js';
import type { AgentState, StoredLicense } from './state.js';
import type { LicenseReport } from './state-files.js';

/** One stored license as the agent judges it now. */
export type { LicenseReport };

/** A grant counts no longer than the service said its key works (a replaced key's week). */
function stoppedAt(grant: Grant, service: LicenseState | undefined): Grant {
  const stopsAt = service?.stopsAt;
  if (stopsAt === undefined || stopsAt === null) return grant;
  const stops = Date.parse(stopsAt);
  if (stops >= grant.certificateExpiresAt.getTime()) return grant;
  return { ...grant, certificateExpiresAt: new Date(stops) };
}

/**
 * Why a key the service said has stopped no longer counts, whatever its certificate says; undefined
 * while it works. A replaced key names its replacement, to be activated in its place.
 */
function stoppedByService(service: LicenseState | undefined, at: number): string | undefined {
  if (service === undefined || service.stopsAt === null || at < Date.parse(service.stopsAt)) return undefined;
  const on = readableInstant(service.stopsAt);
  const { replacedBy } = service;
  return replacedBy === null
    ? `the license service revoked this key on ${on}`
    : `replaced by the key ${shownKey(replacedBy.keyHint)} (${replacedBy.licenseId}), which stopped this one on ${on}: activate the new key in its place`;
}

/** A stored license with what its certificate says, once verified, and why it does not count. */
export interface JudgedLicense {
  stored: StoredLicense;
  /** Present when the signature verified. */
  payload: CertificatePayload | undefined;
  grant: Grant | undefined;
  problem: { code: ErrorCode; reason: string } | undefined;
}

/**
 * The license certificates in the state directory: read, verified against the vendor keys and this
 * server's binding, and stored. Only what verifies here gives seats.
 */
export class LicenseBook {
  readonly #state: AgentState;
  readonly #trust: VendorTrust;
  readonly #serverId: () => string;
  readonly #fingerprint: Fingerprint;
  #judged: JudgedLicense[] = [];
  #unreadable: { file: string; reason: string }[] = [];

  constructor(deps: {
    state: AgentState;
    trust: VendorTrust;
    serverId: () => string;
    fingerprint: Fingerprint;
  }) {
    this.#state = deps.state;
    this.#trust = deps.trust;
    this.#serverId = deps.serverId;
    this.#fingerprint = deps.fingerprint;
  }

  /** Every stored license as judged at the last reading. */
  get judged(): readonly JudgedLicense[] {
    return this.#judged;
  }

  /** Stored files the agent could not read; shown beside the usage so they are not missed. */
  get unreadable(): { file: string; reason: string }[] {
    return this.#unreadable;
  }

  /** The grants of the certificates that verified and are bound to this server and machine. */
  grants(): Grant[] {
    return this.#judged.flatMap((judged) => (judged.grant === undefined ? [] : [judged.grant]));
  }

  /**
   * Reads the state directory again and verifies every certificate in it. A license counts once,
   * by its newest certificate, however many copies of its file lie around.
   */
  reload(): void {
    const { licenses, unreadable } = this.#state.loadLicenses();
    const newest = new Map<string, JudgedLicense>();
    const others: JudgedLicense[] = [];
    for (const judged of licenses.map((stored) => this.#judge(stored))) {
      if (judged.payload === undefined || judged.problem?.code === 'certificate_invalid') {
        others.push(judged);
        continue;
      }
      const held = newest.get(judged.payload.licenseId);
      if (held?.payload === undefined || held.payload.issuedAt < judged.payload.issuedAt) {
        newest.set(judged.payload.licenseId, judged);
      }
    }
    this.#unreadable = unreadable;
    this.#judged = [...newest.values(), ...others];
  }

  #judge(stored: StoredLicense): JudgedLicense {
    const none = { stored, payload: undefined, grant: undefined };
    const trusted = this.#trust.require();
    if (!trusted.ok)
      return { ...none, problem: { code: 'vendor_key_missing', reason: trusted.error.detail } };
    const verified = verifyCertificate(stored.certificate, this.#trust.keys);
    if (!verified.ok)
      return { ...none, problem: { code: verified.error.code, reason: verified.error.detail } };
    const payload = verified.value;
    if (payload.licenseId !== stored.licenseId) {
      const reason = `the file for ${stored.licenseId} holds the certificate of ${payload.licenseId}`;
      return { stored, payload, grant: undefined, problem: { code: 'certificate_invalid', reason } };
    }
    const bound = checkBinding(payload, this.#serverId(), this.#fingerprint);
    return bound.valid
      ? { stored, payload, grant: stoppedAt(bound.grant, stored.service), problem: undefined }
      : { stored, payload, grant: undefined, problem: { code: bound.code, reason: bound.reason } };
  }

  /**
   * Verifies a certificate (signature, that it answers a request of this server, this server and
   * this machine) and stores it as the key's; returns its license id. Online and offline activation
   * end here alike.
   */
  store(
    certificate: unknown,
    key: string,
    requested: (nonce: string) => boolean,
    revision?: string,
  ): Result<string> {
    const verified = verifyCertificate(certificate, this.#trust.keys);
    if (!verified.ok) return verified;
    const bound = checkBinding(verified.value, this.#serverId(), this.#fingerprint);
    if (!bound.valid) return fail(bound.code, bound.reason);
    // The file is named from the signed payload, never from the unsigned parts of the answer.
    const { licenseId, nonce } = verified.value;
    const held = this.#held(licenseId);
    if (!requested(nonce)) {
      if (held?.payload?.nonce === nonce)
        return fail(
          'certificate_already_imported',
          `This certificate is already installed on this server: ${licenseId} counts from it. Nothing to do.`,
        );
      return fail('certificate_invalid', 'The certificate answers another request, not one of this server.');
    }
    if (!isId(licenseId, 'lic'))
      return fail('certificate_invalid', 'The certificate names no valid license id.');
    // What the service said of the key stays until it says otherwise.
    const { service } = held?.stored ?? {};
    this.#state.saveLicense({
      licenseId,
      key,
      certificate,
      ...(revision === undefined ? {} : { revision }),
      ...(service === undefined ? {} : { service }),
    });
    return ok(licenseId);
  }

  /** The license as held, by its id: the one whose certificate counts. */
  #held(licenseId: string): JudgedLicense | undefined {
    return this.#judged.find(({ stored }) => stored.licenseId === licenseId);
  }

  /** Keeps what the service said of a key now (a replacement, a revocation) beside its certificate. */
  note(licenseId: string, service: LicenseState): void {
    const held = this.#held(licenseId);
    if (held === undefined) return;
    held.stored = { ...held.stored, service };
    this.#state.saveLicense(held.stored);
  }

  /**
   * The licenses whose certificate is past half its life (or all of them with `force`), so a
   * reachable service always renews well before the TTL runs out.
   */
  due(now: Date, force: boolean): JudgedLicense[] {
    const at = now.getTime();
    // A machine that changed within the tolerance asks now: the service follows it, or says why not.
    return this.#judged.filter(({ payload, problem }) => {
      if (force || payload === undefined || problem?.code === 'fingerprint_mismatch') return true;
      const issued = Date.parse(payload.issuedAt);
      return at >= issued + (Date.parse(payload.expiresAt) - issued) / 2;
    });
  }

  licenses(now: Date): LicenseReport[] {
    const at = now.getTime();
    return this.#judged.map(({ stored, payload, grant, problem }) => {
      const replaced = stored.service?.replacedBy;
      const base = {
        licenseId: stored.licenseId,
        keyHint: payload?.keyHint ?? stored.key.slice(-4),
        seats: payload?.seats ?? 0,
        ends: payload?.ends ?? null,
        certificateExpiresAt: payload?.expiresAt ?? null,
        replacedBy:
          replaced === undefined || replaced === null
            ? null
            : { ...replaced, stopsAt: stored.service?.stopsAt ?? null },
      };
      const notCounting = (reason: string, code: ErrorCode | null): LicenseReport => ({
        ...base,
        status: 'not_counting',
        reason,
        code,
      });
      if (problem !== undefined) return notCounting(problem.reason, problem.code);
      const stopped = stoppedByService(stored.service, at);
      if (stopped !== undefined) return notCounting(stopped, 'license_revoked');
      if (grant === undefined) return notCounting('no certificate', 'certificate_invalid');
      if (at >= grant.ends.getTime())
        return notCounting(
          `the support term ended on ${base.ends?.slice(0, 10)}: renew the key`,
          'license_expired',
        );
      if (at >= grant.certificateExpiresAt.getTime())
        return notCounting(
          'the certificate expired: refresh it with the license service (seatkeeper agent refresh)',
          'certificate_invalid',
        );
      if (at < grant.starts.getTime())
        return notCounting(`the term starts on ${grant.starts.toISOString().slice(0, 10)}`, null);
      return { ...base, status: 'counting', reason: null, code: null };
    });
  }
}
