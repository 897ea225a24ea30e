import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import { authenticate } from '../auth/tokens.js';
import type { ServiceContext } from '../context.js';
import { problem } from './problem.js';

export const BEARER = [{ bearer: [] }];

/** The token in the request's `Authorization: Bearer` header, if it has one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}

/** The caller behind the request's bearer token, or a 401. */
export async function requirePrincipal(ctx: ServiceContext, request: FastifyRequest): Promise<Principal> {
  const token = bearerToken(request);
  if (token === undefined) {
    throw problem(
      'unauthenticated',
      'Send an API token in the Authorization header: "Authorization: Bearer skt_...".',
    );
  }
  const principal = await authenticate(ctx, token);
  if (principal === undefined) throw problem('unauthenticated', 'The API token is not valid.');
  return principal;
}

export async function requireStaff(ctx: ServiceContext, request: FastifyRequest): Promise<Principal> {
  const principal = await requirePrincipal(ctx, request);
  if (principal.kind !== 'staff') throw problem('forbidden', 'Only vendor staff may do this.');
  return principal;
}
