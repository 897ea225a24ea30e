import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { problemResponses } from '../../contract/common.js';
import type { ErrorCode } from '../../domain/errors.js';
import {
  addressKey,
  blockedUntil,
  type FailureLimits,
  limitOf,
  prefixKey,
} from '../../domain/failed-attempts.js';
import type { ServiceContext } from '../context.js';
import { bearerToken } from './authenticate.js';
import { forgetEndedWindows, recordFailures } from './failed-attempts.js';
import { ProblemError, problem } from './problem.js';
import type { App } from './types.js';

const bodyField = (request: FastifyRequest, field: 'key' | 'token' | 'code'): string | undefined => {
  const value = (request.body as Record<string, unknown> | null | undefined)?.[field];
  return typeof value === 'string' ? value : undefined;
};

/** The refusals that mean "no such credential", and where each finds the credential it names. */
const CREDENTIAL_OF: Partial<Record<ErrorCode, (request: FastifyRequest) => string | undefined>> = {
  unauthenticated: bearerToken,
  bootstrap_token_invalid: (request) => bodyField(request, 'token'),
  license_key_not_found: (request) => bodyField(request, 'key'),
  subscription_key_not_found: (request) => bodyField(request, 'key'),
  license_key_malformed: (request) => bodyField(request, 'key'),
  // A gateway's enrollment code, and its device credential.
  enrollment_invalid: (request) => bodyField(request, 'code'),
  device_credential_invalid: bearerToken,
};

/** A sign-in's failures count against the email it tried, whole: guesses at one person's password. */
export const signInKey = (email: string): string => `e:${email.trim().toLowerCase()}`;

function signInEmail(request: FastifyRequest): string | undefined {
  const body = request.body as Record<string, unknown> | null | undefined;
  return typeof body?.email === 'string' && typeof body.password === 'string' ? body.email : undefined;
}

/** What a request is limited by: its address, the prefix of each credential it carries, the email it signs in as. */
function keysOf(request: FastifyRequest): string[] {
  const credentials = [
    bearerToken(request),
    bodyField(request, 'key'),
    bodyField(request, 'token'),
    bodyField(request, 'code'),
  ];
  const email = signInEmail(request);
  const keys = [
    ...credentials.flatMap((credential) => (credential === undefined ? [] : [prefixKey(credential)])),
    ...(email === undefined ? [] : [signInKey(email)]),
  ];
  return keys.length === 0 ? [] : [addressKey(request.ip), ...keys];
}

/** Counts a failed attempt that is an answer, not an error (a sign-in form shown again). */
export interface FailedAttempts {
  count(request: FastifyRequest, credentialKey: string): Promise<void>;
}

/** The blocks this instance knows of: a request is checked against them without any I/O. */
class Blocks {
  readonly #until = new Map<string, number>();

  get empty(): boolean {
    return this.#until.size === 0;
  }

  /** True when the block is news here: the moment to say so once in the log. */
  add(key: string, until: number, now: number): boolean {
    const known = this.#until.get(key);
    this.#until.set(key, Math.max(until, known ?? 0));
    if (this.#until.size > 10_000) for (const [k, end] of this.#until) if (end <= now) this.#until.delete(k);
    return known === undefined || known <= now;
  }

  /** When the last of the keys' blocks ends, if any of them is blocked now. */
  until(keys: readonly string[], now: number): number | undefined {
    let latest: number | undefined;
    for (const key of keys) {
      const end = this.#until.get(key);
      if (end === undefined) continue;
      if (end <= now) this.#until.delete(key);
      else latest = Math.max(latest ?? 0, end);
    }
    return latest;
  }
}

/**
 * Limits failed credential attempts (unknown keys and tokens) per client address and per
 * credential prefix. Only failures are counted, in the shared store, so instances on one store
 * add up; each instance then refuses from its own memory, and successful requests never wait on
 * the store. An instance learns of a block another one started at its own next failure for it.
 */
export async function limitFailedAttempts(
  app: App,
  ctx: ServiceContext,
  limits: FailureLimits,
): Promise<FailedAttempts> {
  const blocks = new Blocks();
  let sweptAt = 0;
  // Registered before the routes: each route that takes a credential documents the 429 it may answer.
  app.addHook('onRoute', (route) => {
    const schema = route.schema;
    if (schema?.response === undefined) return;
    const body = (schema.body ?? {}) as { properties?: Record<string, unknown> };
    const takesCredential =
      'security' in schema ||
      body.properties?.key !== undefined ||
      body.properties?.token !== undefined ||
      body.properties?.code !== undefined;
    if (takesCredential) schema.response = { ...(schema.response as object), ...problemResponses(429) };
  });

  await app.register(rateLimit, {
    // Routes are not limited one by one: the hook below hands the plugin only what it refuses.
    global: false,
    keyGenerator: (request) => keysOf(request).join('\n'),
    // The plugin asks its store for a count; this store answers from the blocks, "blocked or not".
    store: class {
      incr(key: string, answer: (error: Error | null, result?: { current: number; ttl: number }) => void) {
        const now = ctx.clock.now().getTime();
        const until = blocks.until(key.split('\n'), now);
        answer(null, until === undefined ? { current: 0, ttl: 0 } : { current: 2, ttl: until - now });
      }
      child() {
        return this;
      }
    },
    max: 1,
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': true,
    },
    errorResponseBuilder: (_request, refusal) =>
      problem(
        'rate_limited',
        `Too many failed attempts from this address or with keys like this one: try again in ${refusal.after}.`,
      ),
  });
  const refuse = app.rateLimit();
  // After validation, so the body's key or token is there to be checked. The plugin's own hook
  // would make every request wait on its promises; a request that no block names goes straight on.
  app.addHook('preHandler', (request, reply, done) => {
    if (blocks.empty || blocks.until(keysOf(request), ctx.clock.now().getTime()) === undefined) {
      done();
      return;
    }
    refuse.call(app, request, reply).then(() => done(), done);
  });

  const count = async (request: FastifyRequest, credentialKey: string): Promise<void> => {
    const now = ctx.clock.now().getTime();
    try {
      const keys = [addressKey(request.ip), credentialKey];
      const counts = await recordFailures(ctx.store.db, keys, now, limits.windowMs);
      for (const { key, failures, windowEndsAt } of counts) {
        const until = blockedUntil(failures, limitOf(key, limits), windowEndsAt, now);
        if (until !== undefined && blocks.add(key, until, now)) {
          request.log.warn(
            {
              limit: key.startsWith('a:')
                ? 'client address'
                : key.startsWith('e:')
                  ? 'sign-in email'
                  : 'credential prefix',
              address: request.ip,
              failures,
              until: new Date(until).toISOString(),
            },
            'too many failed credential attempts: refusing them until the window ends',
          );
        }
      }
      if (now - sweptAt >= limits.windowMs) {
        sweptAt = now;
        await forgetEndedWindows(ctx.store.db, now);
      }
    } catch (failure) {
      // The request already has its answer; a count the store did not take is only a lost count.
      request.log.error({ err: failure }, 'a failed credential attempt was not counted');
    }
  };

  app.addHook('onError', async (request, _reply, error) => {
    if (!(error instanceof ProblemError)) return;
    const credential = CREDENTIAL_OF[error.failure.code]?.(request);
    if (credential !== undefined) await count(request, prefixKey(credential));
  });
  return { count };
}
