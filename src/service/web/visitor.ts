import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SINGLE_LINE } from '../../domain/text.js';
import { cookiesOf, csrfToken } from '../../html/forms.js';
import type { Principal } from '../auth/principal.js';
import { resumeSession, SESSION_MAX_MS, type Session } from '../auth/sessions.js';
import type { ServiceContext } from '../context.js';
import { problem } from '../http/problem.js';

/** The browser's session (HttpOnly, so no script reads it) and its form cookie (what CSRF tokens are made of). */
export const SESSION_COOKIE = 'sk_session';
export const FORM_COOKIE = 'sk_form';

/** A page asks the browser to go elsewhere: after a form is done, or to sign in first. */
export class Redirect extends Error {
  constructor(readonly location: string) {
    super(`see ${location}`);
  }
}

/** Secure when the browser reached the service over TLS, directly or through a trusted proxy. */
const overTls = (ctx: ServiceContext, request: FastifyRequest): boolean =>
  request.protocol === 'https' || ctx.policy.publicUrl?.startsWith('https:') === true;

export function setCookie(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  value: string,
  maxAgeMs: number,
): void {
  const attributes = [
    `${name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
    ...(overTls(ctx, request) ? ['Secure'] : []),
  ];
  const known = reply.getHeader('set-cookie');
  const cookies = known === undefined ? [] : Array.isArray(known) ? known : [String(known)];
  reply.header('set-cookie', [
    ...cookies.filter((cookie) => !cookie.startsWith(`${name}=`)),
    attributes.join('; '),
  ]);
}

/** Who is at the browser: a signed-in user with the token their forms carry, or nobody yet. */
export interface Visitor extends Session {
  csrf: string;
}

export type Customer = Visitor & { principal: Extract<Principal, { kind: 'account' }> };

const visitors = new WeakMap<FastifyRequest, Promise<Session | undefined>>();

function sessionOf(ctx: ServiceContext, request: FastifyRequest): Promise<Session | undefined> {
  let session = visitors.get(request);
  if (session === undefined) {
    const token = cookiesOf(request.headers).get(SESSION_COOKIE);
    session = token === undefined ? Promise.resolve(undefined) : resumeSession(ctx, token);
    visitors.set(request, session);
  }
  return session;
}

/** The form cookie each request ends with: the one it brought, or one made for it. */
const formCookies = new WeakMap<FastifyRequest, string>();

function giveFormCookie(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply): string {
  const cookie = randomBytes(24).toString('base64url');
  setCookie(ctx, request, reply, FORM_COOKIE, cookie, SESSION_MAX_MS);
  formCookies.set(request, cookie);
  return cookie;
}

/**
 * The token this page's forms carry. A browser without a form cookie gets one now: it lasts as
 * long as a session can, and a new one is made at each sign-in and sign-out.
 */
export function formCsrf(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply): string {
  const cookie =
    formCookies.get(request) ??
    cookiesOf(request.headers).get(FORM_COOKIE) ??
    giveFormCookie(ctx, request, reply);
  return csrfToken(ctx.vendor.dataKey, cookie);
}

/** A new form cookie, for a browser whose visitor changes (sign-in, sign-out). */
export function renewFormCookie(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply): void {
  giveFormCookie(ctx, request, reply);
}

export async function visitorOf(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Visitor | undefined> {
  const session = await sessionOf(ctx, request);
  return session === undefined ? undefined : { ...session, csrf: formCsrf(ctx, request, reply) };
}

/** The signed-in visitor, or a trip to the sign-in page that comes back here. */
export async function requireVisitor(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Visitor> {
  const visitor = await visitorOf(ctx, request, reply);
  if (visitor !== undefined) return visitor;
  const back = request.method === 'GET' ? request.url : '/';
  throw new Redirect(`/sign-in?next=${encodeURIComponent(back)}`);
}

export async function requireStaffVisitor(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Visitor> {
  const visitor = await requireVisitor(ctx, request, reply);
  if (visitor.principal.kind !== 'staff') throw problem('forbidden', 'Only vendor staff see the console.');
  return visitor;
}

export async function requireCustomer(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Customer> {
  const visitor = await requireVisitor(ctx, request, reply);
  if (visitor.principal.kind !== 'account') throw new Redirect('/console');
  return visitor as Customer;
}

/** The account's owner: who buys, pays, sees invoices and manages members. */
export async function requireOwner(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Customer> {
  const customer = await requireCustomer(ctx, request, reply);
  if (customer.principal.role !== 'owner')
    throw problem('forbidden', 'Only the account’s owner manages billing and members: ask them.');
  return customer;
}

/**
 * Only paths of this site: a `next` that names another site would make sign-in an open redirect.
 * Browsers drop tabs and newlines and read a backslash as a slash, so any of those is refused too.
 */
const ONE_LINE = new RegExp(SINGLE_LINE);

export function localPath(next: string | undefined, fallback: string): string {
  if (next === undefined || !next.startsWith('/') || next.includes('\\') || !ONE_LINE.test(next))
    return fallback;
  const resolved = new URL(next, 'http://this.site');
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // Dot segments can collapse `/.//evil.example` into `//evil.example`: judge the result too.
  if (path.startsWith('//')) return fallback;
  return resolved.origin === 'http://this.site' ? path : fallback;
}
