import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceClient } from './service-client.js';

const servers: Server[] = [];

/** A real HTTP server on 127.0.0.1 that answers every request with `status` and `body`. */
async function answering(status: number, body: unknown): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
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
  const keys = { keys: [{ kid: 'kid_1', publicKeyPem: 'pem' }] };

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
    const refusing = await answering(409, { code: 'key_already_activated', detail: 'no', field: 'key' });
    const client = new ServiceClient(`${refusing},${await answering(200, keys)}`);
    expect(await client.signingKeys()).toEqual({
      ok: false,
      error: { code: 'key_already_activated', detail: 'no', field: 'key' },
    });
  });

  it('says service_unreachable, naming every URL, when none answers', async () => {
    const [first, second] = [await closed(), await closed()];
    const result = await new ServiceClient(`${first}, ${second}`).signingKeys();
    expect(result.ok ? undefined : result.error.code).toBe('service_unreachable');
    expect(result.ok ? '' : result.error.detail).toContain(first);
    expect(result.ok ? '' : result.error.detail).toContain(second);
  });
});
