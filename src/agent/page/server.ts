import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Clock } from '../../domain/clock.js';
import { readableInstant } from '../../domain/key-status.js';
import { CONTENT_SECURITY_POLICY } from '../../html/document.js';
import {
  CSRF_FIELD,
  FORM_EXPIRED,
  FORM_LIMIT_BYTES,
  field,
  fromThisSite,
  parseForm,
  secretField,
} from '../../html/forms.js';
import { type Html, render } from '../../html/html.js';
import { SITE_CSS } from '../../html/site-css.js';
import type { Usage } from '../agent.js';
import {
  type ActionOutcome,
  activate,
  DONE,
  type PageAgent,
  replace,
  subscribe,
} from './activation-actions.js';
import { activationPage, type PageRefusal, problemDocument, signInPage } from './activation-view.js';
import {
  cookieHeader,
  FORM_COOKIE,
  FORM_COOKIE_MS,
  PageGuard,
  SESSION_COOKIE,
  SESSION_IDLE_MS,
} from './guard.js';
import { isLoopback } from './settings.js';

export type { PageAgent } from './activation-actions.js';

export interface LicensePageDeps {
  agent: PageAgent;
  clock: Clock;
  /** The admin password the page asks for; none on a loopback address if not given. */
  password?: string | undefined;
  /** The usage shown: the agent's own by default (a page beside a running agent shows what it publishes). */
  usage?: () => Usage;
  /** A key was activated or a subscription joined: the agent deciding connections reads it now. */
  changed?: () => void;
  /** A fault of the page itself, for the agent's log. */
  failed?: (error: unknown) => void;
}

export interface LicensePage {
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** The forms that change what the agent holds, by the path they post to. */
const ACTIONS: Readonly<Record<string, (agent: PageAgent, body: unknown) => Promise<ActionOutcome>>> = {
  '/activate': activate,
  '/replace': replace,
  '/subscribe': subscribe,
};

/** What one request's answer carries besides its body. */
interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  cookies: string[];
  csrf: string;
}

class TooLarge extends Error {}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(request.headers['content-length'] ?? 0) > FORM_LIMIT_BYTES) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // The rest is read and dropped: the answer still reaches the browser.
      if (size > FORM_LIMIT_BYTES) reject(new TooLarge());
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The host and port a Host header names (`[::1]:943` included), lower-cased. */
function hostOf(header: string): { name: string; port: number | undefined } | undefined {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/i.exec(header.trim());
  if (match === null) return undefined;
  return { name: (match[1] ?? match[2] ?? '').toLowerCase(), port: match[3] ? Number(match[3]) : undefined };
}

/**
 * Whether a request was meant for this page: its Host is the bound address, or the loopback names
 * on a loopback page. A page on every address (0.0.0.0) answers any IP address, never a host name:
 * a site whose name was rebound to this machine's address names itself in the Host header.
 */
export function hostAllowed(header: string | undefined, bound: { host: string; port: number }): boolean {
  const host = header === undefined ? undefined : hostOf(header);
  if (host === undefined || (host.port ?? 80) !== bound.port) return false;
  const boundName = bound.host.toLowerCase();
  if (host.name === boundName) return true;
  const everywhere = boundName === '0.0.0.0' || boundName === '::';
  if (everywhere) return isIP(host.name) !== 0 || host.name === 'localhost';
  return isLoopback(boundName) && isLoopback(host.name);
}

function send(exchange: Exchange, status: number, body: string, type = 'text/html; charset=utf-8'): void {
  const { response, cookies } = exchange;
  if (cookies.length > 0) response.setHeader('set-cookie', cookies);
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

const sendPage = (exchange: Exchange, status: number, page: Html): void =>
  send(exchange, status, render(page));

function redirect(exchange: Exchange, location: string): void {
  exchange.response.setHeader('location', location);
  send(exchange, 303, '', 'text/plain; charset=utf-8');
}

function problem(exchange: Exchange, status: number, title: string, detail: string): void {
  sendPage(exchange, status, problemDocument({ title, detail, csrf: exchange.csrf }));
}

/**
 * The server's license page (Configuration > Activation), on node:http: the agent's bundle carries
 * no web framework. Only GET and POST, only for its own Host, every form with its CSRF token, and
 * behind the admin password when one is set.
 */
export async function startLicensePage(
  deps: LicensePageDeps,
  at: { host: string; port: number },
): Promise<LicensePage> {
  const guard = new PageGuard(deps.clock, deps.password);
  const usage = deps.usage ?? (() => deps.agent.usage());
  let bound = { host: at.host, port: at.port };

  const showPage = (exchange: Exchange, status: number, refusal?: PageRefusal): void => {
    const done = new URL(exchange.request.url ?? '/', 'http://page').searchParams.get('done');
    sendPage(
      exchange,
      status,
      activationPage({
        usage: usage(),
        unreadable: deps.agent.unreadable,
        serviceUrl: deps.agent.serviceUrl,
        csrf: exchange.csrf,
        signOut: guard.asksPassword,
        notice:
          refusal === undefined && done !== null && Object.hasOwn(DONE, done)
            ? DONE[done as keyof typeof DONE]
            : undefined,
        refusal,
      }),
    );
  };

  const answer = (exchange: Exchange, outcome: ActionOutcome): void => {
    if ('done' in outcome) {
      deps.changed?.();
      redirect(exchange, `/?done=${outcome.done}`);
    } else showPage(exchange, outcome.status, outcome.refusal);
  };

  async function route(exchange: Exchange, path: string, body: unknown): Promise<void> {
    const { request } = exchange;
    const get = request.method === 'GET';
    if (get && path === '/assets/site.css') {
      exchange.response.setHeader('cache-control', 'public, max-age=3600');
      return send(exchange, 200, SITE_CSS, 'text/css; charset=utf-8');
    }
    if (get && path === '/favicon.ico') return send(exchange, 204, '', 'text/plain; charset=utf-8');
    if (path === '/sign-in') {
      if (!guard.asksPassword || (get && guard.signedIn(request))) return redirect(exchange, '/');
      if (get) return sendPage(exchange, 200, signInPage({ csrf: exchange.csrf }));
      const outcome = await guard.signIn(secretField(body, 'password'));
      if (outcome === 'blocked')
        return sendPage(
          exchange,
          429,
          signInPage({
            csrf: exchange.csrf,
            error: `Too many wrong passwords: try again after ${readableInstant(new Date(guard.blockedUntil() ?? 0))}.`,
          }),
        );
      if (outcome === 'wrong')
        return sendPage(
          exchange,
          401,
          signInPage({ csrf: exchange.csrf, error: 'The password is not right: try again.' }),
        );
      const session = outcome.session;
      // A new form cookie with the session: tokens seen before signing in stop working.
      exchange.cookies.push(
        cookieHeader(SESSION_COOKIE, session, SESSION_IDLE_MS),
        cookieHeader(FORM_COOKIE, guard.newFormCookie(), FORM_COOKIE_MS),
      );
      return redirect(exchange, '/');
    }
    if (path === '/sign-out' && !get) {
      guard.signOut(request);
      exchange.cookies.push(cookieHeader(SESSION_COOKIE, '', 0));
      return redirect(exchange, guard.asksPassword ? '/sign-in' : '/');
    }
    const action = Object.hasOwn(ACTIONS, path) ? ACTIONS[path] : undefined;
    if (path !== '/' && action === undefined)
      return problem(
        exchange,
        404,
        'There is no such page',
        `There is no page ${path} on this server’s license page.`,
      );
    if (!guard.signedIn(request)) return redirect(exchange, '/sign-in');
    if (get && path === '/') return showPage(exchange, 200);
    if (!get && action !== undefined) return answer(exchange, await action(deps.agent, body));
    exchange.response.setHeader('allow', get ? 'POST' : 'GET');
    return problem(exchange, 405, 'Not here', `${path} does not take ${request.method}.`);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('x-frame-options', 'DENY');
    response.setHeader('referrer-policy', 'same-origin');
    response.setHeader('cache-control', 'no-store');
    const form = guard.formCookie(request);
    const exchange: Exchange = {
      request,
      response,
      cookies: form.fresh ? [cookieHeader(FORM_COOKIE, form.value, FORM_COOKIE_MS)] : [],
      csrf: guard.csrf(form.value),
    };
    if (request.method !== 'GET' && request.method !== 'POST') {
      response.setHeader('allow', 'GET, POST');
      return problem(exchange, 405, 'Not here', 'The license page answers GET and POST only.');
    }
    // DNS rebinding: another site's name pointed at this address still names that site here.
    if (!hostAllowed(request.headers.host, bound))
      return problem(
        exchange,
        421,
        'Not this address',
        `The license page answers only at the address it listens on (${bound.host}:${bound.port}) and at localhost.`,
      );
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://page').pathname);
    } catch {
      return problem(exchange, 400, 'Not a page', 'The address is not validly encoded.');
    }
    let body: unknown;
    if (request.method === 'POST') {
      const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/x-www-form-urlencoded')
        return problem(exchange, 415, 'Not a form', 'The license page takes forms only.');
      try {
        body = parseForm(await readBody(request));
      } catch (error) {
        if (error instanceof TooLarge) {
          response.setHeader('connection', 'close');
          return problem(exchange, 413, 'Too large', 'The form is too large.');
        }
        throw error;
      }
      // Every form carries its token; a token made for another browser, or none, changes nothing.
      if (
        form.fresh ||
        !fromThisSite(request.headers) ||
        !guard.csrfMatches(request, field(body, CSRF_FIELD))
      )
        return problem(exchange, 403, 'The form has expired', FORM_EXPIRED);
    }
    return route(exchange, path, body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      deps.failed?.(error);
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('The license page failed: see the agent’s log.');
      } else response.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : at.port;
  bound = { host: at.host, port };
  const shownHost = isIP(at.host) === 6 ? `[${at.host}]` : at.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
