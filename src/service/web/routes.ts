import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type Failure } from '../../domain/errors.js';
import { CONTENT_SECURITY_POLICY } from '../../html/document.js';
import {
  CSRF_FIELD,
  cookiesOf,
  csrfMatches,
  FORM_EXPIRED,
  FORM_LIMIT_BYTES,
  field,
  fromThisSite,
  parseForm,
} from '../../html/forms.js';
import { SITE_CSS } from '../../html/site-css.js';
import { failureOf, problem } from '../http/problem.js';
import type { App } from '../http/types.js';
import { consolePages } from './console/index.js';
import { gatewayPages } from './gateways/index.js';
import { billingPages } from './portal/billing.js';
import { keyPages } from './portal/keys.js';
import { memberPages } from './portal/members.js';
import { subscriptionPages } from './portal/subscriptions.js';
import { supportPages } from './portal/support.js';
import { usagePages } from './portal/usage.js';
import { problemPage, sendPage } from './respond.js';
import { signInPages } from './sign-in.js';
import { FORM_COOKIE, Redirect } from './visitor.js';
import type { WebDeps, WebModule } from './web-module.js';

/** The page groups; each is a WebModule on the same operations as the API. */
const PAGES: readonly WebModule[] = [
  signInPages,
  keyPages,
  billingPages,
  subscriptionPages,
  usagePages,
  supportPages,
  memberPages,
  gatewayPages,
  consolePages,
];

/** A page request (a browser's): answered in HTML, where the API answers in problem+json. */
export const wantsPage = (request: FastifyRequest): boolean =>
  !request.url.startsWith('/v1/') && (request.headers.accept ?? '').includes('text/html');

export function pageNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const failure = {
    code: 'route_not_found' as const,
    detail: `There is no page ${request.url.split('?')[0]}.`,
  };
  return sendPage(reply, problemPage(failure, request.id), 404);
}

/** The pages for people, in their own scope: form bodies, CSRF checks, security headers, HTML errors. */
export async function webRoutes(app: App, deps: WebDeps): Promise<void> {
  await app.register(async (web: App) => {
    // Pages are not the API: the OpenAPI document leaves them out.
    web.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    // Pages take forms, nothing else: a JSON or other body is refused before any handler sees it.
    web.removeAllContentTypeParsers();
    web.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
      (_request, body, done) => done(null, parseForm(String(body))),
    );

    web.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('x-frame-options', 'DENY');
      // Our own pages learn where a visitor came from; other sites learn nothing, not even a link's token.
      reply.header('referrer-policy', 'same-origin');
      if (reply.getHeader('cache-control') === undefined) reply.header('cache-control', 'no-store');
      return payload;
    });

    // Every form posts its CSRF token; a token made for another browser, or none, changes nothing.
    web.addHook('preHandler', async (request) => {
      if (request.method !== 'POST') return;
      const cookie = cookiesOf(request.headers).get(FORM_COOKIE);
      const sent = field(request.body, CSRF_FIELD);
      if (
        cookie === undefined ||
        !fromThisSite(request.headers, request.host) ||
        !csrfMatches(deps.ctx.vendor.dataKey, cookie, sent)
      )
        throw problem('form_expired', FORM_EXPIRED);
    });

    web.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof Redirect) return reply.redirect(error.location, 303);
      const known = failureOf(error, request);
      // A page takes a browser's form: a body of another kind is a request that is not valid here.
      const failure: Failure =
        known.code === 'unsupported_media_type'
          ? {
              code: 'validation_failed',
              detail: 'Send the form as a browser does (application/x-www-form-urlencoded).',
            }
          : known;
      if (failure.code === 'unauthenticated')
        return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
      return sendPage(reply, problemPage(failure, request.id), ERRORS[failure.code].status);
    });

    web.get('/assets/site.css', async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(SITE_CSS),
    );
    web.get('/favicon.ico', async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=86400').code(204).send(),
    );

    for (const pages of PAGES) pages(web, deps);
  });
}
