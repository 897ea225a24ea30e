import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../domain/clock.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { type GatewayStatementPayload, verifyGatewayStatement } from '../../domain/gateway-statement.js';
import type { VendorTrust } from '../installation.js';
import { ServiceClient } from '../service-client.js';
import { type GatewayEnrollment, GatewayState } from './gateway-state.js';

/** A statement answered, verified for this device, with when it was asked for (the gateway's clock). */
export interface StatementReceived {
  payload: GatewayStatementPayload;
  statement: unknown;
  refreshAfterMs: number;
  sentAt: number;
  receivedAt: number;
}

/** A state directory that holds a VPN server's keys or subscription is not a gateway's to take. */
function holdsServerLicenses(dir: string): boolean {
  if (existsSync(join(dir, 'subscription.json'))) return true;
  try {
    return readdirSync(join(dir, 'licenses')).some((file) => file.endsWith('.json'));
  } catch {
    return false;
  }
}

/**
 * Who this gateway is to the service and how it speaks to it: the enrollment kept in the state
 * directory, the device credential that authenticates each request, and the verification of the
 * statements it gets back (signed by an installed vendor key, naming this very device).
 */
export class GatewayLink {
  readonly state: GatewayState;
  readonly #trust: VendorTrust;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch | undefined;
  #enrollment: GatewayEnrollment | undefined;
  #credential: string | undefined;
  #client: { url: string; client: ServiceClient } | undefined;

  constructor(deps: {
    stateDir: string;
    trust: VendorTrust;
    clock: Clock;
    fetch?: typeof fetch | undefined;
  }) {
    this.state = new GatewayState(deps.stateDir);
    this.#trust = deps.trust;
    this.#clock = deps.clock;
    this.#fetch = deps.fetch;
    this.reload();
  }

  get enrollment(): GatewayEnrollment | undefined {
    return this.#enrollment;
  }

  reload(): void {
    this.#enrollment = this.state.loadEnrollment();
    this.#credential = this.#enrollment === undefined ? undefined : this.state.loadCredential();
  }

  #clientOf(url: string): ServiceClient {
    if (this.#client?.url !== url) this.#client = { url, client: new ServiceClient(url, this.#fetch) };
    return this.#client.client;
  }

  /** Exchanges the one-time code for the device credential, and keeps both identity and credential. */
  async enroll(code: string, serviceUrl: string): Promise<Result<GatewayEnrollment>> {
    const trusted = this.#trust.require();
    if (!trusted.ok) return trusted;
    if (holdsServerLicenses(this.state.dir))
      return fail(
        'validation_failed',
        `The state directory ${this.state.dir} holds a VPN server's keys or subscription: enroll the gateway with a state directory of its own (--state).`,
        'state',
      );
    const answer = await this.#clientOf(serviceUrl).enrollGateway({ code: code.trim() });
    if (!answer.ok) return answer;
    const { deviceId, organizationId, credential } = answer.value;
    const enrollment = {
      deviceId,
      organizationId,
      serviceUrl,
      enrolledAt: this.#clock.now().toISOString(),
    };
    this.state.saveEnrollment(enrollment, credential);
    this.reload();
    return ok(enrollment);
  }

  /** Asks the service for a fresh statement, reporting the tunnels up and, for a shared pool, the seats wanted. */
  async statement(request: { connected: number; wanted?: number }): Promise<Result<StatementReceived>> {
    const enrollment = this.#enrollment;
    const credential = this.#credential;
    if (enrollment === undefined || credential === undefined)
      return fail(
        'validation_failed',
        'This gateway is not enrolled: run `seatkeeper agent enroll --service URL --code CODE` with the code of its device page.',
      );
    const trusted = this.#trust.require();
    if (!trusted.ok) return trusted;
    const sentAt = this.#clock.now().getTime();
    const answer = await this.#clientOf(enrollment.serviceUrl).gatewayStatement(request, credential);
    if (!answer.ok) return answer;
    const verified = this.verify(answer.value.statement);
    if (!verified.ok) return verified;
    return ok({
      payload: verified.value,
      statement: answer.value.statement,
      refreshAfterMs: answer.value.refreshAfterMs,
      sentAt,
      receivedAt: this.#clock.now().getTime(),
    });
  }

  /**
   * A statement counts only if a vendor key installed here signed it, for this enrolled device. The
   * device is what counts: moved to another organization, it is still this gateway.
   */
  verify(candidate: unknown): Result<GatewayStatementPayload> {
    const verified = verifyGatewayStatement(candidate, this.#trust.keys);
    if (!verified.ok) return verified;
    const enrollment = this.#enrollment;
    if (enrollment === undefined || verified.value.deviceId !== enrollment.deviceId)
      return fail('grant_invalid', 'The gateway statement was made for another device.');
    return verified;
  }
}
