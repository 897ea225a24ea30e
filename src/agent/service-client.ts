import type { Static } from '@sinclair/typebox';
import {
  ACTIVATION_REFERENCES,
  ActivationAnswer,
  type ActivationRequest,
  LicenseState,
  type LicenseStateRequest,
} from '../contract/activation.js';
import { type Checker, checker } from '../contract/check.js';
import { Problem } from '../contract/common.js';
import {
  EnrollAnswer,
  type EnrollRequest,
  StatementAnswer,
  type StatementRequest,
} from '../contract/gateways.js';
import { SigningKeys } from '../contract/signing-keys.js';
import {
  HeartbeatAnswer,
  type HeartbeatRequest,
  type JoinRequest,
  Membership,
  SUBSCRIPTION_REFERENCES,
} from '../contract/subscriptions.js';
import { fail, isErrorCode, ok, type Result } from '../domain/errors.js';

type EnrollAnswerBody = Static<typeof EnrollAnswer>;
type StatementAnswerBody = Static<typeof StatementAnswer>;

/** Each answer the agent reads is checked against the schema the service's route answers with. */
const ANSWERS = {
  signingKeys: checker(SigningKeys),
  activation: checker(ActivationAnswer, ACTIVATION_REFERENCES),
  membership: checker(Membership, SUBSCRIPTION_REFERENCES),
  heartbeat: checker(HeartbeatAnswer, SUBSCRIPTION_REFERENCES),
  licenseState: checker(LicenseState),
  enrollment: checker(EnrollAnswer),
  statement: checker(StatementAnswer),
};
const PROBLEM = checker(Problem);

/**
 * The agent's side of the service's HTTP API. Refusals come back as the service's codes; an answer
 * that does not follow the contract is `service_answer_invalid`, never used. Given several service
 * URLs (comma-separated), a request that cannot reach one instance goes to the next, and the client
 * stays with the one that answered; every request it sends is idempotent.
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

  async #call<T>(
    answer: Checker<T>,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    bearer?: string,
  ): Promise<Result<T>> {
    const failures: string[] = [];
    for (let attempt = 0; attempt < this.#bases.length; attempt++) {
      const index = (this.#preferred + attempt) % this.#bases.length;
      const base = this.#bases[index] as string;
      let response: Response;
      try {
        response = await this.#fetch(`${base}${path}`, {
          method,
          headers: {
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
          },
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
      return this.#read(answer, `${base}${path}`, response);
    }
    return fail(
      'service_unreachable',
      `Cannot reach the license service at ${failures.join('; ') || 'no URL given'}`,
    );
  }

  async #read<T>(answer: Checker<T>, url: string, response: Response): Promise<Result<T>> {
    const text = await response.text().catch(() => '');
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      // A proxy's error page or a cut connection: nobody of the service's answered.
      return response.ok
        ? fail(
            'service_answer_invalid',
            `The license service at ${url} answered ${response.status} without JSON.`,
          )
        : fail(
            'service_unreachable',
            `The license service at ${url} answered ${response.status} without a usable body.`,
          );
    }
    if (response.ok) {
      const checked = answer(payload);
      return checked.ok
        ? ok(checked.value)
        : fail(
            'service_answer_invalid',
            `The license service at ${url} answered ${response.status} outside its contract (${checked.wrong}).`,
          );
    }
    const problem = PROBLEM(payload);
    // A gateway in front of the service may answer a 5xx in JSON of its own: the service is not reached.
    if (!problem.ok && response.status >= 500)
      return fail(
        'service_unreachable',
        `The license service at ${url} answered ${response.status} with a body that is no problem document.`,
      );
    if (!problem.ok)
      return fail(
        'service_answer_invalid',
        `The license service at ${url} answered ${response.status} with a body that is no problem document (${problem.wrong}).`,
      );
    const { code, detail, field, storedSequence } = problem.value;
    if (!isErrorCode(code))
      return fail(
        'service_answer_invalid',
        `The license service at ${url} answered ${response.status} with an error code this agent does not know, ${code}: ${detail}`,
      );
    const refused = fail(code, detail, field);
    // A heartbeat out of order names the sequence to continue above.
    if (storedSequence !== undefined) refused.error.storedSequence = storedSequence;
    return refused;
  }

  signingKeys(): Promise<Result<SigningKeys>> {
    return this.#call(ANSWERS.signingKeys, 'GET', '/v1/signing-keys');
  }

  activate(request: ActivationRequest): Promise<Result<ActivationAnswer>> {
    return this.#call(ANSWERS.activation, 'POST', '/v1/activations', request);
  }

  joinSubscription(request: JoinRequest): Promise<Result<Membership>> {
    return this.#call(ANSWERS.membership, 'POST', '/v1/subscriptions/activations', request);
  }

  heartbeat(request: HeartbeatRequest): Promise<Result<HeartbeatAnswer>> {
    return this.#call(ANSWERS.heartbeat, 'POST', '/v1/heartbeats', request);
  }

  refresh(request: ActivationRequest): Promise<Result<ActivationAnswer>> {
    return this.#call(ANSWERS.activation, 'POST', '/v1/activations/refresh', request);
  }

  /** The state of a key bound to this server: its revision, a replacement or a revocation. */
  licenseState(request: LicenseStateRequest): Promise<Result<LicenseState>> {
    return this.#call(ANSWERS.licenseState, 'POST', '/v1/activations/status', request);
  }

  /** A gateway exchanges its one-time enrollment code for its device credential. */
  enrollGateway(request: Static<typeof EnrollRequest>): Promise<Result<EnrollAnswerBody>> {
    return this.#call(ANSWERS.enrollment, 'POST', '/v1/gateways/enroll', request);
  }

  /** An enrolled gateway's signed statement of its licenses, asked with its device credential. */
  gatewayStatement(
    request: Static<typeof StatementRequest>,
    credential: string,
  ): Promise<Result<StatementAnswerBody>> {
    return this.#call(ANSWERS.statement, 'POST', '/v1/gateways/statement', request, credential);
  }
}
