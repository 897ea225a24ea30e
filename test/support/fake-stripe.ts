import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { Clock } from '../../src/domain/clock.js';

/**
 * The few Stripe endpoints the Stripe provider calls, on 127.0.0.1, for the real SDK to talk to:
 * creating and reading a Checkout Session and creating a refund, with the API key and idempotency
 * keys checked as Stripe checks them. Nothing happens on its own: the test pays, fails or expires a
 * session and gets back the webhook delivery Stripe would send, signed as Stripe signs it.
 */

type Params = { [key: string]: string | Params | Params[] | string[] };
type Session = Record<string, unknown> & { id: string; amount_total: number; currency: string };

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  params: Params;
}

/** A webhook delivery: its raw body and its Stripe-Signature header. */
export type Delivery = { payload: string; header: string };

export interface FakeStripe {
  url: URL;
  requests: RecordedRequest[];
  sessions: Map<string, Session>;
  pay(sessionId: string, at?: Date): Delivery;
  fail(sessionId: string, at?: Date): Delivery;
  expire(sessionId: string, at?: Date): Delivery;
  /** Any event, signed: for the types the provider ignores. */
  deliver(type: string, object: object, at?: Date): Delivery;
  /** The next API request gets this error instead of its answer (a card declined at creation). */
  refuseNext(status: number, error: { type: string; message: string; code?: string }): void;
  close(): Promise<void>;
}

const SESSION_PARAMS = new Set(
  'mode allowed_payment_method_types line_items client_reference_id metadata success_url cancel_url'.split(
    ' ',
  ),
);

const MISSING = { code: 'resource_missing' };
const id = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('hex')}`;

/** `line_items[0][price_data][unit_amount]=900` and the like, as the SDK encodes them, back into objects. */
function parseForm(body: string): Params {
  const root: Params = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = [key.split('[')[0] ?? key, ...[...key.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] ?? '')];
    let node: Record<string, unknown> = root;
    path.forEach((part, index) => {
      const next = path[index + 1];
      if (next === undefined) {
        node[part] = value;
        return;
      }
      node[part] ??= /^\d+$/.test(next) ? [] : {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return root;
}

export async function startFakeStripe(options: {
  secretKey: string;
  webhookSecret: string;
  clock: Clock;
}): Promise<FakeStripe> {
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, Session>();
  const intents = new Map<string, { session: Session; refunded: number }>();
  const remembered = new Map<string, { request: string; status: number; body: unknown }>();
  let refusal: { status: number; body: unknown } | undefined;

  const error = (status: number, type: string, message: string, extra: object = {}) => ({
    status,
    body: { error: { type, message, ...extra } },
  });

  const createSession = (params: Params) => {
    // Stripe refuses what its API version does not know, such as `payment_method_types` since endive.
    const unknown = Object.keys(params).find((key) => !SESSION_PARAMS.has(key));
    if (unknown !== undefined)
      return error(400, 'invalid_request_error', `Received unknown parameter: ${unknown}`, {
        param: unknown,
      });
    const item = (params.line_items as Params[] | undefined)?.[0];
    const price = item?.price_data as Params | undefined;
    const amount = Number(price?.unit_amount) * Number(item?.quantity ?? 1);
    if (params.mode !== 'payment' || !Number.isSafeInteger(amount) || typeof params.success_url !== 'string')
      return error(400, 'invalid_request_error', 'mode, line_items and success_url are required');
    const created = Math.floor(options.clock.now().getTime() / 1000);
    const sessionId = id('cs');
    const session: Session = {
      id: sessionId,
      object: 'checkout.session',
      mode: 'payment',
      amount_total: amount,
      currency: String(price?.currency),
      allowed_payment_method_types: params.allowed_payment_method_types ?? null,
      payment_method_types: params.allowed_payment_method_types ?? ['card'],
      client_reference_id: params.client_reference_id ?? null,
      metadata: params.metadata ?? {},
      success_url: params.success_url,
      cancel_url: params.cancel_url ?? null,
      url: `https://checkout.stripe.com/c/pay/${sessionId}`,
      payment_intent: null,
      payment_status: 'unpaid',
      status: 'open',
      created,
      expires_at: created + 86_400,
      livemode: false,
    };
    sessions.set(session.id, session);
    return { status: 200, body: session };
  };

  const createRefund = (params: Params) => {
    const intentId = String(params.payment_intent);
    const intent = intents.get(intentId);
    if (intent === undefined)
      return error(400, 'invalid_request_error', `No such payment_intent: '${intentId}'`, MISSING);
    const amount = params.amount === undefined ? intent.session.amount_total : Number(params.amount);
    if (!(amount > 0 && amount <= intent.session.amount_total - intent.refunded))
      return error(400, 'invalid_request_error', `Refund amount ${amount} is more than is left to refund`, {
        code: 'amount_too_large',
        param: 'amount',
      });
    intent.refunded += amount;
    const refund = { id: id('re'), object: 'refund', amount, currency: intent.session.currency };
    return { status: 200, body: { ...refund, payment_intent: intentId, status: 'succeeded' } };
  };

  const answer = (method: string, path: string, params: Params) => {
    if (method === 'POST' && path === '/v1/checkout/sessions') return createSession(params);
    if (method === 'POST' && path === '/v1/refunds') return createRefund(params);
    const found = method === 'GET' ? /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path) : null;
    const session = found?.[1] === undefined ? undefined : sessions.get(found[1]);
    if (session !== undefined) return { status: 200, body: session };
    return error(404, 'invalid_request_error', `No such resource: ${method} ${path}`, MISSING);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const key = request.headers['idempotency-key'] as string | undefined;
    const authorization = request.headers.authorization;
    const params = parseForm(method === 'GET' ? url.search.slice(1) : text);
    requests.push({ method, path: url.pathname, authorization, idempotencyKey: key, params });
    const send = ({ status, body }: { status: number; body: unknown }) => {
      response.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
      response.end(JSON.stringify(body));
    };
    if (authorization !== `Bearer ${options.secretKey}`) {
      const shown = (authorization ?? '').replace(/^Bearer /, '').slice(-4);
      return send(error(401, 'invalid_request_error', `Invalid API Key provided: sk_test_****${shown}`));
    }
    const signature = `${method} ${url.pathname} ${text}`;
    const earlier = key === undefined ? undefined : remembered.get(key);
    const reused = 'Keys for idempotent requests can only be used with the same parameters';
    if (earlier !== undefined && earlier.request !== signature)
      return send(error(400, 'idempotency_error', reused));
    const result = earlier ?? refusal ?? answer(method, url.pathname, params);
    refusal = undefined;
    if (key !== undefined && method === 'POST') remembered.set(key, { request: signature, ...result });
    send(result);
  };

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const deliver = (type: string, object: object, at = options.clock.now()): Delivery => {
    const timestamp = Math.floor(at.getTime() / 1000);
    const event = {
      id: `evt_${randomBytes(12).toString('hex')}`,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: timestamp,
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    // Stripe sends its events indented: a verifier that re-serializes the body breaks on that.
    const payload = JSON.stringify(event, null, 2);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.webhookSecret,
      timestamp,
    });
    return { payload, header };
  };
  const change = (type: string, update: Record<string, unknown>) => (sessionId: string, at?: Date) => {
    const session = sessions.get(sessionId);
    if (session === undefined) throw new Error(`fake Stripe has no session ${sessionId}`);
    const intent = update.payment_intent === undefined ? session.payment_intent : id('pi');
    if (update.payment_intent === 'new') intents.set(intent as string, { session, refunded: 0 });
    Object.assign(session, update, { payment_intent: intent });
    return deliver(type, { ...session }, at);
  };

  return {
    url: new URL(`http://127.0.0.1:${port}`),
    requests,
    sessions,
    pay: change('checkout.session.completed', {
      status: 'complete',
      payment_status: 'paid',
      payment_intent: 'new',
    }),
    // The debit was tried and failed: an intent, but no charge to refund.
    fail: change('checkout.session.async_payment_failed', { status: 'complete', payment_intent: 'failed' }),
    expire: change('checkout.session.expired', { status: 'expired', url: null }),
    deliver,
    refuseNext: (status, body) => {
      refusal = { status, body: { error: body } };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        // The SDK keeps its connections alive; close would wait for them.
        server.closeAllConnections();
      }),
  };
}
