import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEARTBEAT_BODY_LIMIT } from '../../src/contract/subscriptions.js';
import { ManualClock } from '../support/clock.js';
import { ENGINES, tempDir } from '../support/engines.js';
import { accountWithKey, machine, nonce, staffToken, subscriptionKey } from '../support/factories.js';
import { type Answer, type Call, client, expectProblem } from '../support/http.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { seatkeeper } from '../support/service-process.js';

const CHUNK = 64 * 1024;

/**
 * A POST whose body the test writes piece by piece and may never end. `answer` settles when the
 * service answers, whatever the client has sent by then.
 */
function upload(base: string, path: string, headers: Record<string, string | number> = {}) {
  const request = http.request(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
  });
  // The service closes a connection whose body it refused: writes after that fail, as they should.
  request.on('error', () => {});
  let ended = false;
  const answer = new Promise<Answer & { endedByClient: boolean }>((resolve) => {
    request.on('response', (response) => {
      const endedByClient = ended;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        const headers = new Headers(Object.entries(response.headers).map(([k, v]) => [k, String(v)]));
        resolve({ status: response.statusCode ?? 0, headers, body: JSON.parse(text), text, endedByClient });
      });
    });
  });
  let answered = false;
  void answer.then(() => {
    answered = true;
  });
  return {
    answer,
    /** Writes `total` bytes made by `piece`, waiting for the socket to drain; stops once answered. */
    async send(total: number, piece: (offset: number) => string): Promise<void> {
      for (let sent = 0; sent < total && !answered; ) {
        const chunk = piece(sent);
        sent += chunk.length;
        if (!request.write(chunk))
          await Promise.race([new Promise((drained) => request.once('drain', drained)), answer]);
      }
    },
    end(): void {
      ended = true;
      request.end();
    },
    abort: () => request.destroy(),
  };
}

/** Sends raw bytes on a fresh connection and reads everything until the service closes it. */
function rawExchange(base: string, bytes: string): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

/** A raw HTTP answer's status, headers and problem body. */
function parseRaw(text: string): Answer {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Headers(
    lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body), text: body };
}

describe('HTTP API, hostile input, against a real service on 127.0.0.1', () => {
  let service: InProcessService;
  let call: Call;

  beforeAll(async () => {
    service = await startInProcessService(new ManualClock());
    call = client(service.url);
  });
  afterAll(async () => {
    await service?.close();
  });

  describe('large and deep bodies', () => {
    it('answers a heartbeat body over its limit with 413 while the client is still sending it', async () => {
      const hostile = upload(service.url, '/v1/heartbeats');
      // One long string: flat, so only its size is at fault.
      await hostile.send(HEARTBEAT_BODY_LIMIT + 4 * CHUNK, (offset) =>
        offset === 0 ? `{"key":"${'a'.repeat(CHUNK - 8)}` : 'a'.repeat(CHUNK),
      );
      const answer = await hostile.answer;
      expect(answer.endedByClient).toBe(false);
      expectProblem(answer, 413, 'body_too_large');
      expect(answer.headers.get('connection')).toBe('close');
    });

    it('refuses a body whose declared length is over the limit before reading it, and goes on serving', async () => {
      const hostile = upload(service.url, '/v1/heartbeats', { 'content-length': HEARTBEAT_BODY_LIMIT + 1 });
      await hostile.send(CHUNK, () => '['.repeat(CHUNK));
      const answer = await hostile.answer;
      expect(answer.endedByClient).toBe(false);
      expectProblem(answer, 413, 'body_too_large');
      expect((await call('GET', '/healthz')).status).toBe(200);
    });

    it('takes the largest heartbeat its schema allows: the limit is derived from the same maxima', async () => {
      const tunnels = Array.from({ length: 50_000 }, (_, i) => ({
        id: `t${String(i).padStart(63, '0')}`,
        connectedAt: Number.MAX_SAFE_INTEGER,
      }));
      const body = {
        key: `sks_${'a'.repeat(43)}`,
        serverId: `srv_${'0'.repeat(26)}`,
        sequence: 1,
        sentAt: 1,
      };
      const largest = JSON.stringify({ ...body, tunnels });
      expect(largest.length).toBeLessThanOrEqual(HEARTBEAT_BODY_LIMIT);
      // Past the size check and the schema: refused for its key only.
      expectProblem(
        await call('POST', '/v1/heartbeats', { raw: largest }),
        404,
        'subscription_key_not_found',
        'key',
      );
      const longerId = { ...body, tunnels: [{ id: 't'.repeat(65), connectedAt: 1 }] };
      expectProblem(
        await call('POST', '/v1/heartbeats', { body: longerId }),
        400,
        'validation_failed',
        'tunnels.0.id',
      );
    });

    it('checks the key of a large heartbeat before validating its tunnels; a small one is validated first', async () => {
      const report = (tunnels: number) => ({
        key: `sks_${'a'.repeat(43)}`,
        serverId: `srv_${'0'.repeat(26)}`,
        sequence: 1,
        sentAt: 1,
        // The last tunnel is malformed: only validating them all finds it.
        tunnels: Array.from({ length: tunnels }, (_, i) => ({
          id: `t${i}`,
          connectedAt: i === tunnels - 1 ? -1 : 1,
        })),
      });
      const large = await call('POST', '/v1/heartbeats', { body: report(5_000) });
      expectProblem(large, 404, 'subscription_key_not_found', 'key');
      const small = await call('POST', '/v1/heartbeats', { body: report(10) });
      expectProblem(small, 400, 'validation_failed', 'tunnels.9.connectedAt');
    });

    it('refuses a body nested deeper than its schema with 400 before it has arrived, so unparsed', async () => {
      const hostile = upload(service.url, '/v1/heartbeats');
      await hostile.send(HEARTBEAT_BODY_LIMIT / 2, (offset) =>
        offset === 0 ? `{"key":"[[[[","tunnels":${'['.repeat(CHUNK - 26)}` : '['.repeat(CHUNK),
      );
      const answer = await hostile.answer;
      expect(answer.endedByClient).toBe(false);
      expectProblem(answer, 400, 'body_too_deep');
    });

    it('answers /healthz while four hostile uploads are in flight, and refuses each before it is complete', async () => {
      const hostile = Array.from({ length: 4 }, () => upload(service.url, '/v1/heartbeats'));
      const sending = hostile.map((one) => one.send(HEARTBEAT_BODY_LIMIT / 2, () => '['.repeat(CHUNK)));
      expect((await call('GET', '/healthz')).status).toBe(200);
      await Promise.all(sending);
      for (const one of hostile) {
        const answer = await one.answer;
        expect(answer.endedByClient).toBe(false);
        expectProblem(answer, 400, 'body_too_deep');
      }
    });

    it('refuses a small body nested deeper than its schema with 400, looked at whole before parsing', async () => {
      const raw = `{"key":"sks_x","tunnels":${'['.repeat(200)}${']'.repeat(200)}}`;
      expectProblem(await call('POST', '/v1/heartbeats', { raw }), 400, 'body_too_deep');
      expectProblem(
        await call('POST', '/v1/accounts', {
          raw: '{"name":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}',
        }),
        400,
        'body_too_deep',
      );
    });

    it('still takes bodies that nest exactly as deep as the schema allows', async () => {
      const answer = await call('POST', '/v1/heartbeats', {
        body: {
          key: `sks_${'a'.repeat(43)}`,
          serverId: `srv_${'0'.repeat(26)}`,
          sequence: 1,
          sentAt: 1,
          tunnels: [],
        },
      });
      expectProblem(answer, 404, 'subscription_key_not_found', 'key');
    });
  });

  describe('errors raised before routing', () => {
    it.each([
      ['a malformed percent-encoding', '/v1/accounts/%E0%A4%A', 400, 'malformed_url'],
      ['a path parameter longer than any id', `/v1/accounts/acc_${'a'.repeat(300)}`, 414, 'url_too_long'],
    ])('answers %s in problem+json with a request id', async (_name, path, status, code) => {
      expectProblem(await call('GET', path), status, code);
    });

    it('answers headers too large with 431 in problem+json with a request id', async () => {
      const text = await rawExchange(
        service.url,
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      const answer = parseRaw(text);
      expectProblem(answer, 431, 'headers_too_large');
      expect(answer.body.requestId).toMatch(/^req_/);
    });

    it('answers a request line that is not HTTP with 400 in problem+json with a request id', async () => {
      const answer = parseRaw(await rawExchange(service.url, 'NOT HTTP AT ALL\r\n\r\n'));
      expectProblem(answer, 400, 'malformed_request');
      expect(answer.body.requestId).toMatch(/^req_/);
    });
  });
});

describe.each(ENGINES)('text with control characters, over HTTP on %s', (engine) => {
  let service: InProcessService;
  let call: Call;
  let staff: string;
  let owner: string;
  let licenseId: string;
  let key: string;
  let subscription: string;

  beforeAll(async () => {
    service = await startInProcessService(new ManualClock(), engine);
    call = client(service.url);
    staff = await staffToken(service.ctx);
    const customer = await accountWithKey(service.ctx);
    owner = customer.ownerToken;
    licenseId = customer.license.id;
    key = customer.license.key;
    subscription = await subscriptionKey(service.ctx);
  });
  afterAll(async () => {
    await service?.close();
  });

  const serverId = 'srv_01kax5c1x8b2m4n6p8r0s2t4v6';
  const fingerprint = machine(1, { hostname: 'vpn1\u0000.example.net' });

  it.each([
    ['an account name', '/v1/accounts', 'staff', { email: 'nul@example.com', name: 'Acme\u0000' }, 'name'],
    ['an email', '/v1/accounts', 'staff', { email: 'nul\u0000@example.com' }, 'email'],
    ['a host name at activation', '/v1/activations', 'none', { fingerprint }, 'fingerprint.hostname'],
    [
      'a host name joining a pool',
      '/v1/subscriptions/activations',
      'none',
      { fingerprint },
      'fingerprint.hostname',
    ],
    ['a support message', '/v1/support-requests', 'owner', { message: 'Refund\u0000' }, 'message'],
  ])(
    'refuses %s with a NUL byte: 400 naming the field, nothing stored',
    async (_what, path, who, body, field) => {
      const defaults: Record<string, Record<string, unknown>> = {
        '/v1/accounts': {},
        '/v1/activations': { key, serverId, nonce: nonce() },
        '/v1/subscriptions/activations': { key: subscription, serverId },
        '/v1/support-requests': { type: 'refund', licenseId },
      };
      const token = who === 'staff' ? staff : who === 'owner' ? owner : undefined;
      const before = await rowCounts();
      const answer = await call('POST', path, { token, body: { ...defaults[path], ...body } });
      expectProblem(answer, 400, 'validation_failed', field);
      expect(await rowCounts()).toEqual(before);
    },
  );

  async function rowCounts(): Promise<number[]> {
    const db = service.ctx.store.db;
    return Promise.all(
      (['accounts', 'activations', 'pool_members', 'support_requests'] as const).map(async (table) => {
        const row = await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst();
        return Number(row?.n);
      }),
    );
  }
});

describe('text with control characters, at the command line', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('refuses an account name with control characters, as the API does', async () => {
    const outcome = await seatkeeper([
      'account',
      'create',
      '--data',
      dir.path,
      '--email',
      'cli@example.com',
      '--name',
      'Acme\u001b[2J',
    ]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('name must be one line of text, without control characters');
    expect(outcome.stderr).toContain('(validation_failed)');
  });

  it('refuses an offline activation request whose host name has a NUL byte, naming it', async () => {
    const file = join(dir.path, 'request.json');
    const request = {
      format: 'seatkeeper-offline-request/1',
      key: 'ABCD-EFGH-JKMN-PQRS-TVWX',
      serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t4v6',
      fingerprint: machine(1, { hostname: 'vpn1\u0000' }),
      nonce: nonce(),
    };
    writeFileSync(file, JSON.stringify(request));
    const outcome = await seatkeeper(['key', 'offline-activate', '--data', dir.path, file]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('fingerprint.hostname is not valid');
  });
});
