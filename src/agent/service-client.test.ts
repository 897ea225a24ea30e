import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expectRefusal } from '../../test/support/results.js';
import type { Result } from '../domain/errors.js';
import { ServiceClient } from './service-client.js';

/** A problem document as the service writes it. */
const problem = (code: string, extra: Record<string, unknown> = {}) => ({
  type: `https://seatkeeper.dev/problems/${code}`,
  code,
  title: 'Refused',
  status: 409,
  detail: 'no',
  requestId: 'req_1',
  ...extra,
});

const servers: Server[] = [];

/** A real HTTP server on 127.0.0.1 that answers every request with `status` and `body` (text as is). */
async function answering(status: number, body: unknown): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A URL nothing listens on any more. */
async function closed(): Promise<string> {
  const url = await answering(200, {});
  const server = servers.pop();
  await new Promise((done) => server?.close(done));
  return url;
}

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((done) => server.close(done));
});

describe('ServiceClient with several service URLs', () => {
  const keys = { keys: [{ kid: 'kid_1', alg: 'Ed25519', publicKeyPem: 'pem' }] };

  it('goes on to the next instance when one is down or answers 5xx, and stays with the one that answered', async () => {
    const healthy = await answering(200, keys);
    const client = new ServiceClient(
      [await closed(), await answering(503, { code: 'service_unavailable', detail: 'down' }), healthy].join(
        ',',
      ),
    );
    expect(await client.signingKeys()).toEqual({ ok: true, value: keys });
    expect(await client.signingKeys()).toEqual({ ok: true, value: keys });
  });

  it('returns a refusal as it is: a 4xx is the service’s answer, not an outage', async () => {
    const refusing = await answering(409, problem('key_already_activated', { field: 'key' }));
    const client = new ServiceClient(`${refusing},${await answering(200, keys)}`);
    expect(await client.signingKeys()).toEqual({
      ok: false,
      error: { code: 'key_already_activated', detail: 'no', field: 'key' },
    });
  });

  it('passes on the sequence a heartbeat out of order names', async () => {
    const client = new ServiceClient(
      await answering(409, problem('heartbeat_out_of_order', { storedSequence: 41 })),
    );
    const refused = await client.heartbeat(heartbeat);
    expect(refused.ok ? undefined : refused.error).toMatchObject({
      code: 'heartbeat_out_of_order',
      storedSequence: 41,
    });
  });

  it('says service_unreachable, naming every URL, when none answers', async () => {
    const [first, second] = [await closed(), await closed()];
    const result = await new ServiceClient(`${first}, ${second}`).signingKeys();
    expectRefusal(result, 'service_unreachable');
    expect(result.ok ? '' : result.error.detail).toContain(first);
    expect(result.ok ? '' : result.error.detail).toContain(second);
  });
});

const heartbeat = {
  key: 'sks_x',
  serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t4v6',
  sequence: 1,
  sentAt: 1,
  tunnels: [],
};

describe('ServiceClient checks every answer against the contract', () => {
  const invalid = async (
    status: number,
    body: unknown,
    call: (client: ServiceClient) => Promise<Result<unknown>> = (client) => client.heartbeat(heartbeat),
  ) => {
    const result = await call(new ServiceClient(await answering(status, body)));
    if (result.ok) throw new Error(`taken as valid: ${JSON.stringify(result.value)}`);
    return result.error;
  };

  it('refuses an answer that is not JSON', async () => {
    expect(await invalid(200, 'OK')).toMatchObject({
      code: 'service_answer_invalid',
      detail: expect.stringContaining('without JSON'),
    });
  });

  it('refuses an answer of the wrong shape, naming the field', async () => {
    expect(
      await invalid(200, { keys: [{ kid: 'kid_1', publicKeyPem: 'pem' }] }, (c) => c.signingKeys()),
    ).toMatchObject({ code: 'service_answer_invalid', detail: expect.stringContaining('/keys/0/alg') });
    // A heartbeat's answer whose grant is no signed grant at all: not even handed to the verifier.
    const answer = {
      mode: 'reconcile',
      connections: 10,
      used: 1,
      disconnect: [],
      lease: 0,
      leaseExpiresAt: null,
      nextHeartbeatInMs: 30_000,
      periodEnds: '2027-01-01T00:00:00.000Z',
      answeredAt: '2026-01-01T00:00:00.000Z',
      grant: { payload: 'seats: 1000' },
    };
    expect(await invalid(200, answer)).toMatchObject({
      code: 'service_answer_invalid',
      detail: expect.stringContaining('/grant'),
    });
    expect(await invalid(200, { ...answer, grant: undefined, used: '1' })).toMatchObject({
      code: 'service_answer_invalid',
    });
  });

  it('refuses a refusal that is no problem document, or names a code the catalog does not have', async () => {
    expect(await invalid(409, { error: 'no' })).toMatchObject({
      code: 'service_answer_invalid',
      detail: expect.stringContaining('no problem document'),
    });
    expect(await invalid(409, problem('seats_gone_fishing'))).toMatchObject({
      code: 'service_answer_invalid',
      detail: expect.stringContaining('seats_gone_fishing'),
    });
  });

  it('still says service_unreachable for a proxy’s error page, not JSON or JSON of its own', async () => {
    expect(await invalid(502, '<html>Bad Gateway</html>')).toMatchObject({ code: 'service_unreachable' });
    expect(await invalid(503, { message: 'upstream unavailable' })).toMatchObject({
      code: 'service_unreachable',
    });
  });
});
