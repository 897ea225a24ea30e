import type { KeyObject } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { tempDir } from '../../../test/support/engines.js';
import {
  admitMany,
  DEVICE,
  license,
  ORG,
  payloadOf,
  START,
  stateDirs,
  TWO_LICENSES,
  vendor,
} from '../../../test/support/gateway-agent.js';
import { type StatementLicense, signGatewayStatement } from '../../domain/gateway-statement.js';
import type { VendorKey } from '../installation.js';
import { GatewayAgent } from './gateway-agent.js';
import { GatewayState } from './gateway-state.js';

/**
 * The other side of the statement protocol, played in the test: one 150-user license shared by
 * gateways in lease mode, answering with statements signed by the test's vendor key.
 */
function leasingService(
  privateKey: KeyObject,
  kid: string,
  clock: ManualClock,
  pool = 150,
  refreshAfterMs = 60_000,
) {
  const leases = new Map<string, number>();
  const requests: { credential: string | null; body: { connected: number; wanted?: number } }[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const credential = new Headers(init?.headers).get('authorization');
    const body = JSON.parse(String(init?.body)) as { connected: number; wanted?: number };
    requests.push({ credential, body });
    if (!url.endsWith('/v1/gateways/statement') || credential !== 'Bearer skd_credential')
      return Response.json(
        {
          type: 'about:blank',
          title: 'x',
          status: 401,
          code: 'device_credential_invalid',
          detail: 'no',
          requestId: 'r',
        },
        { status: 401, headers: { 'content-type': 'application/problem+json' } },
      );
    const others = [...leases].filter(([id]) => id !== DEVICE).reduce((sum, [, seats]) => sum + seats, 0);
    const wantedLease = Math.max(0, (body.wanted ?? body.connected) - 2 - 20);
    const seats = Math.min(wantedLease, pool - others);
    leases.set(DEVICE, seats);
    const now = clock.now().getTime();
    const payload = payloadOf(kid, {
      issuedAt: new Date(now).toISOString(),
      validUntil: new Date(now + 86_400_000).toISOString(),
      licenses: [
        TWO_LICENSES[0] as StatementLicense,
        license({
          licenseId: 'gwl_shared',
          users: pool,
          lease: { seats, until: new Date(now + 300_000).toISOString() },
        }),
      ],
    });
    return Response.json({ statement: signGatewayStatement(payload, privateKey), refreshAfterMs });
  }) as typeof fetch;
  return { fetch: fetchImpl, requests, leases };
}

describe('the gateway agent with the service', () => {
  const dirs = stateDirs();

  function enrolled(
    keys: VendorKey[],
    fetchImpl: typeof fetch,
    clock: ManualClock,
    credential = 'skd_credential',
  ) {
    const dir = tempDir('seatkeeper-gateway-');
    dirs.push(dir);
    new GatewayState(dir.path).saveEnrollment(
      { deviceId: DEVICE, organizationId: ORG, serviceUrl: 'http://service.test', enrolledAt: START },
      credential,
    );
    return {
      agent: new GatewayAgent({ stateDir: dir.path, clock, vendorKeys: keys, fetch: fetchImpl }),
      dir: dir.path,
    };
  }

  it('asks with its credential, reports its tunnels and asks for a block more of a shared pool', async () => {
    const { privateKey, key, kid } = vendor();
    const clock = new ManualClock(START);
    const service = leasingService(privateKey, kid, clock);
    const { agent, dir } = enrolled([key], service.fetch, clock);
    const first = await agent.refresh();
    expect(first.ok).toBe(true);
    // No shared license known yet: it reports its tunnels only; the answer leases nothing.
    expect(service.requests[0]).toEqual({ credential: 'Bearer skd_credential', body: { connected: 0 } });
    expect(agent.capacity()).toBe(22);
    // Holding a shared license now, the next ask wants its tunnels plus a block of 5.
    await agent.refresh();
    expect(service.requests[1]?.body).toEqual({ connected: 0, wanted: 5 });
    expect(admitMany(agent, 22)).toBe(22);
    // With half a block left free, it asked for more in the background, without holding admissions.
    expect(service.requests.at(-1)?.body).toEqual({ connected: 19, wanted: 24 });
    // The 23rd comes before the answer: refused at first, the top-up shares the ask on its way.
    expect(agent.admit({ id: 'x23' }).admitted).toBe(false);
    expect(await agent.topUp()).toBe(true);
    expect(agent.admit({ id: 'x23' }).admitted).toBe(true);
    expect(agent.capacity()).toBe(24);
    // Kept across restarts: a new agent on the directory counts the same statement.
    const again = new GatewayAgent({ stateDir: dir, clock, vendorKeys: [key] });
    expect(again.capacity()).toBe(agent.capacity());
  });

  it('refuses at the pool’s end: a top-up that brings nothing leaves the tunnel refused', async () => {
    const { privateKey, key, kid } = vendor();
    const clock = new ManualClock(START);
    const service = leasingService(privateKey, kid, clock, 150);
    service.leases.set('dev_others', 145);
    const { agent } = enrolled([key], service.fetch, clock);
    await agent.refresh();
    // As the gatekeeper does: a refusal asks the pool at once, and the tunnel is tried again.
    let admitted = 0;
    for (let i = 0; i < 40; i++)
      if (
        agent.admit({ id: `t${i}` }).admitted ||
        ((await agent.topUp()) && agent.admit({ id: `t${i}` }).admitted)
      )
        admitted++;
    // 2 built-in + its own 20 + the 5 seats the other gateways left of the 150.
    expect(admitted).toBe(27);
    expect(service.leases.get(DEVICE)).toBe(5);
    // The pool full, it does not ask at every refusal.
    const asked = service.requests.length;
    expect(await agent.topUp()).toBe(false);
    expect(service.requests.length).toBe(asked);
  });

  it('gives leased seats back once three blocks lie idle, for the other gateways', async () => {
    const { privateKey, key, kid } = vendor();
    const clock = new ManualClock(START);
    const service = leasingService(privateKey, kid, clock);
    const { agent } = enrolled([key], service.fetch, clock);
    await agent.refresh();
    let admitted = 0;
    for (let i = 0; i < 40; i++)
      if (
        agent.admit({ id: `t${i}` }).admitted ||
        ((await agent.topUp()) && agent.admit({ id: `t${i}` }).admitted)
      )
        admitted++;
    expect(admitted).toBe(40);
    const leased = service.leases.get(DEVICE) ?? 0;
    expect(leased).toBeGreaterThanOrEqual(18);
    clock.advance(2_000);
    const asked = service.requests.length;
    // Below three blocks idle, a release asks nothing.
    for (let i = 0; i < 10; i++) agent.release(`t${i}`);
    expect(service.requests.length).toBe(asked);
    // Then one ask, in the background, for what it uses plus a block: the rest goes back to the pool.
    for (let i = 10; i < 30; i++) agent.release(`t${i}`);
    expect(service.requests.length).toBe(asked + 1);
    const { connected, wanted } = service.requests[asked]?.body ?? { connected: 0 };
    expect(wanted).toBe(connected + 5);
    await agent.refresh();
    expect(service.leases.get(DEVICE)).toBeLessThan(leased);
  });

  it('asks again at every interval the service names, until stopped', async () => {
    const { privateKey, key, kid } = vendor();
    const clock = new ManualClock(START);
    const service = leasingService(privateKey, kid, clock, 150, 5);
    const { agent } = enrolled([key], service.fetch, clock);
    await agent.refresh();
    const outcomes: boolean[] = [];
    let stop = () => {};
    await new Promise<void>((done) => {
      stop = agent.startRefreshes((outcome) => {
        outcomes.push(outcome.ok);
        if (outcomes.length === 3) done();
      });
    });
    stop();
    expect(outcomes).toEqual([true, true, true]);
    const asked = service.requests.length;
    // One more turn of the event loop's timers: none comes after the stop.
    await new Promise((resume) => setTimeout(resume, 30));
    expect(service.requests.length).toBe(asked);
  });

  it('a refused credential keeps the statement held, and says why', async () => {
    const { privateKey, key, kid } = vendor();
    const clock = new ManualClock(START);
    const service = leasingService(privateKey, kid, clock);
    const { agent } = enrolled([key], service.fetch, clock, 'skd_wrong');
    const outcome = await agent.refresh();
    expect(outcome).toMatchObject({ ok: false, error: { code: 'device_credential_invalid' } });
    expect(agent.capacity()).toBe(2);
  });

  it('an answer for another device counts nothing', async () => {
    const { privateKey, key, kid } = vendor();
    const clock = new ManualClock(START);
    const fetchImpl = (async () =>
      Response.json({
        statement: signGatewayStatement(payloadOf(kid, { deviceId: 'dev_other' }), privateKey),
        refreshAfterMs: 60_000,
      })) as unknown as typeof fetch;
    const { agent } = enrolled([key], fetchImpl, clock);
    expect(await agent.refresh()).toMatchObject({ ok: false, error: { code: 'grant_invalid' } });
    expect(agent.capacity()).toBe(2);
  });

  it('enrolls: keeps its device, organization and service, and its credential readable by its owner only', async () => {
    const { privateKey, key, kid } = vendor();
    const clock = new ManualClock(START);
    const statements = leasingService(privateKey, kid, clock);
    const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input).endsWith('/v1/gateways/enroll')) {
        expect(JSON.parse(String(init?.body))).toEqual({ code: 'ske_code' });
        return Response.json({ deviceId: DEVICE, organizationId: ORG, credential: 'skd_credential' });
      }
      return statements.fetch(input, init);
    }) as typeof fetch;
    const dir = tempDir('seatkeeper-gateway-');
    dirs.push(dir);
    const agent = new GatewayAgent({ stateDir: dir.path, clock, vendorKeys: [key], fetch: fetchImpl });
    const first = await agent.enroll(' ske_code ', 'http://service.test');
    expect(first).toMatchObject({ ok: true, value: { maximum: 22 } });
    expect(agent.enrollment).toMatchObject({
      deviceId: DEVICE,
      organizationId: ORG,
      serviceUrl: 'http://service.test',
    });
    expect(statSync(join(dir.path, 'gateway-credential.json')).mode & 0o777).toBe(0o600);
    expect(new GatewayState(dir.path).loadCredential()).toBe('skd_credential');
  });

  it('will not enroll without a vendor key, or in a VPN server’s state directory', async () => {
    const { key } = vendor();
    const clock = new ManualClock(START);
    const noFetch = (async () => {
      throw new Error('must not be asked');
    }) as unknown as typeof fetch;
    const dir = tempDir('seatkeeper-gateway-');
    dirs.push(dir);
    const bare = new GatewayAgent({ stateDir: dir.path, clock, fetch: noFetch });
    expect(await bare.enroll('ske_code', 'http://service.test')).toMatchObject({
      ok: false,
      error: { code: 'vendor_key_missing' },
    });
    mkdirSync(join(dir.path, 'licenses'));
    writeFileSync(join(dir.path, 'licenses', 'lic_1.json'), '{}');
    const server = new GatewayAgent({ stateDir: dir.path, clock, vendorKeys: [key], fetch: noFetch });
    expect(await server.enroll('ske_code', 'http://service.test')).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', detail: /VPN server's keys/ },
    });
    expect(await server.refresh()).toMatchObject({ ok: false, error: { detail: /not enrolled/ } });
  });
});
