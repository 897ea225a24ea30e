import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import { authenticate } from '../auth/tokens.js';
import type { ServiceContext } from '../context.js';
import { problem } from './problem.js';

export const BEARER = [{ bearer: [] }];

/** The caller behind the request's bearer token, or a 401. */
export async function requirePrincipal(ctx: ServiceContext, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  if (match?.[1] === undefined) {
    throw problem(
      'unauthenticated',
      'Send an API token in the Authorization header: "Authorization: Bearer skt_...".',
    );
  }
  const principal = await authenticate(ctx, match[1]);
  if (principal === undefined) throw problem('unauthenticated', 'The API token is not valid.');
  return principal;
}

export async function requireStaff(ctx: ServiceContext, request: FastifyRequest): Promise<Principal> {
  const principal = await requirePrincipal(ctx, request);
  if (principal.kind !== 'staff') throw problem('forbidden', 'Only vendor staff may do this.');
  return principal;
}
