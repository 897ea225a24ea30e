import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type Failure } from '../../domain/errors.js';
import { type Html, html, render } from '../../html/html.js';
import { page } from './layout.js';

export function sendPage(reply: FastifyReply, document: Html, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(render(document));
}

/**
 * The outcome a page names after a redirect (`?done=renewed`): only messages the page itself
 * lists, so a link cannot make the site say what it never said.
 */
export function noticeOf(request: FastifyRequest, messages: Record<string, string>): string | undefined {
  const done = (request.query as Record<string, unknown> | undefined)?.done;
  return typeof done === 'string' && Object.hasOwn(messages, done) ? messages[done] : undefined;
}

/** A refusal as a page: what went wrong in the catalog's words, the request id, and a way on. */
export function problemPage(failure: Failure, requestId: string): Html {
  const { title } = ERRORS[failure.code];
  return page({
    title,
    body: html`<div class="panel narrow">
<h1>${title}</h1>
<p>${failure.detail}</p>
<p class="muted">Code <code>${failure.code}</code> · request <code>${requestId}</code></p>
<p class="actions"><a class="button" href="/">Go to your start page</a></p>
</div>`,
  });
}

/** A parameter of the page's path (`/orders/:id`); routes only match when it is there. */
export const pathParam = (request: FastifyRequest, name = 'id'): string =>
  String((request.params as Record<string, unknown>)[name] ?? '');

/** A query parameter as typed, trimmed; '' when absent or sent twice. */
export const queryParam = (request: FastifyRequest, name: string): string => {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};
