import { readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../test/support/clock.js';
import { tempDir } from '../../test/support/engines.js';
import {
  accountWithKey,
  machine,
  renewedKey,
  replacedKey,
  subscriptionKey,
  vendorKeyOf,
} from '../../test/support/factories.js';
import { FakeOpenvpn } from '../../test/support/fake-openvpn.js';
import { type InProcessService, startInProcessService } from '../../test/support/in-process-service.js';
import { Waiters } from '../../test/support/waiters.js';
import { Agent } from './agent.js';
import { runAgent } from './openvpn/run.js';

/** A port nothing listens on: the running agent keeps looking for its OpenVPN server there. */
const closedPort = () =>
  new Promise<number>((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });

/** The running agent's log, as events a test waits for. */
function capturedLog() {
  const events: Record<string, unknown>[] = [];
  const waiters = new Waiters();
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        events.push(JSON.parse(line));
        waiters.notify();
      },
    },
  );
  /** The `nth` event `name` with the fields of `match`, once logged. */
  const event = (name: string, match: Record<string, unknown> = {}, nth = 1) =>
    waiters.until(
      () =>
        events.filter(
          (logged) => logged.event === name && Object.entries(match).every(([k, v]) => logged[k] === v),
        )[nth - 1],
      20_000,
      () => `no ${name} event ${JSON.stringify(match)} in ${JSON.stringify(events.map((e) => e.event))}`,
    );
  return { logger, event };
}

describe('the agent asks the service after its keys, through a real service on 127.0.0.1', () => {
  let clock: ManualClock;
  let service: InProcessService;
  let state: ReturnType<typeof tempDir>;

  const openAgent = () =>
    new Agent({
      stateDir: state.path,
      clock,
      machine: machine('checked'),
      vendorKeys: [vendorKeyOf(service.ctx)],
    });

  async function activated(agent: Agent) {
    const { license } = await accountWithKey(service.ctx, { connections: 10 });
    const report = await agent.activate(license.key, service.url);
    if (!report.ok) throw new Error(report.error.detail);
    return license;
  }

  /**
   * `agent run` on the state directory, checking its keys every 50 ms of wall time; attached to
   * `openvpn` if given, else looking for an OpenVPN server that is not there.
   */
  async function running(agent: Agent, openvpn?: FakeOpenvpn) {
    const log = capturedLog();
    const runner = runAgent(agent, {
      stateDir: state.path,
      address: openvpn?.address ?? { host: '127.0.0.1', port: await closedPort() },
      logger: log.logger,
      checkIntervalMs: 50,
    });
    return { ...log, reload: () => runner.reload(), stop: () => runner.stop() };
  }

  const startService = async (certificateTtlMs = 7 * DAY) => {
    service = await startInProcessService(clock, 'sqlite', {
      policy: { certificateTtlMs },
    });
  };

  beforeEach(() => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    state = tempDir('seatkeeper-checks-');
  });
  afterEach(async () => {
    await service.close();
    state.remove();
  });

  it('refreshes a renewed key’s certificate at once, and asks again for nothing when nothing changed', async () => {
    await startService();
    const agent = openAgent();
    const license = await activated(agent);
    expect(await agent.refresh()).toEqual([]);
    expect(await renewedKey(service.ctx, license.id, 2)).toBe('2029-11-23T12:00:00.000Z');
    // A day into a 7-day certificate: far from its half-life, the service's word is enough.
    clock.advance(DAY);
    const [renewed, ...none] = await agent.refresh();
    expect(none).toEqual([]);
    expect(renewed).toMatchObject({ licenseId: license.id, changed: true, result: { ok: true } });
    expect(agent.licenses()[0]?.ends).toBe('2029-11-23T12:00:00.000Z');
    expect(await agent.refresh()).toEqual([]);
  });

  it('a running agent learns of a renewal within its check interval, long before the certificate’s half-life', async () => {
    await startService();
    const agent = openAgent();
    const license = await activated(agent);
    const run = await running(agent);
    try {
      expect(await renewedKey(service.ctx, license.id)).toBe('2028-11-23T12:00:00.000Z');
      await run.event('certificate_refreshed', { licenseId: license.id, changed: true });
      expect(agent.licenses()[0]).toMatchObject({ ends: '2028-11-23T12:00:00.000Z', status: 'counting' });
    } finally {
      run.stop();
    }
  });

  it('a running agent learns of a replacement: it names the new key and stops the old one at the end of its week', async () => {
    await startService();
    const agent = openAgent();
    const license = await activated(agent);
    const run = await running(agent);
    let replacement: { id: string; key: string };
    try {
      replacement = await replacedKey(service.ctx, license.id);
      await run.event('certificate_refreshed', { licenseId: license.id, changed: true });
    } finally {
      run.stop();
    }
    const stopsAt = '2026-11-30T12:00:00.000Z';
    expect(agent.licenses()[0]).toMatchObject({
      status: 'counting',
      certificateExpiresAt: stopsAt,
      replacedBy: { licenseId: replacement.id, keyHint: replacement.key.slice(-4), stopsAt },
    });
    expect(JSON.stringify(agent.usage())).not.toContain(replacement.key);
    clock.set(stopsAt);
    expect(agent.capacity().seats).toBe(2);
    expect(agent.licenses()[0]?.status).toBe('not_counting');
  });

  it('stops counting a key the service says has stopped, even with a certificate that would count for weeks', async () => {
    await startService(30 * DAY);
    const agent = openAgent();
    const license = await activated(agent);
    const replacement = await replacedKey(service.ctx, license.id);
    // The agent was away for the whole overlap week: its certificate still says 30 days.
    clock.advance(8 * DAY);
    expect(openAgent().capacity().seats).toBe(10);
    const reopened = openAgent();
    const run = await running(reopened);
    try {
      await run.event('certificate_not_refreshed', { licenseId: license.id, code: 'license_revoked' });
    } finally {
      run.stop();
    }
    expect(reopened.capacity().seats).toBe(2);
    expect(reopened.licenses()[0]).toMatchObject({
      status: 'not_counting',
      code: 'license_revoked',
      reason: expect.stringMatching(
        new RegExp(`^replaced by the key …${replacement.key.slice(-4)} .*activate the new key in its place$`),
      ),
    });
    // Said once: the next check has nothing new to report.
    expect(await reopened.refresh()).toEqual([]);
  });

  it('gains nothing past the signed certificate from an edited note of the service: the note can only stop a key', async () => {
    await startService(30 * DAY);
    const agent = openAgent();
    const license = await activated(agent);
    await replacedKey(service.ctx, license.id);
    clock.advance(8 * DAY);
    await agent.refresh();
    expect(openAgent().capacity().seats).toBe(2);
    // Whoever owns the state directory rewrites the unsigned note: the key active, stopping in a year.
    const file = join(state.path, 'licenses', `${license.id}.json`);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    stored.service = {
      ...stored.service,
      status: 'active',
      stopsAt: new Date(clock.now().getTime() + 365 * DAY).toISOString(),
      replacedBy: null,
    };
    writeFileSync(file, JSON.stringify(stored));
    // The seats come from the signed certificate alone: at most until it ends, 30 days after it was made.
    clock.advance(22 * DAY + 1);
    expect(openAgent().capacity().seats).toBe(2);
  });

  it('brings a lapsed lease back with one heartbeat, and joins again a pool that no longer holds the server', async () => {
    await startService();
    const key = await subscriptionKey(service.ctx, { connections: 100, mode: 'lease' });
    const agent = openAgent();
    expect((await agent.joinSubscription(key, service.url)).ok).toBe(true);
    expect(agent.usage().subscription).toMatchObject({
      counting: true,
      lease: 5,
      heartbeatIntervalMs: 30_000,
    });
    clock.advance(10 * 60_000);
    expect(agent.usage().subscription).toMatchObject({ counting: false, countingUntil: null });
    expect((await agent.renewSubscription())?.ok).toBe(true);
    expect(agent.usage().subscription?.counting).toBe(true);

    clock.advance(10 * 60_000);
    await service.ctx.store.db.deleteFrom('pool_members').execute();
    expect((await agent.heartbeat()).ok).toBe(false);
    expect((await agent.renewSubscription())?.ok).toBe(true);
    expect(agent.usage().subscription?.counting).toBe(true);
  });

  it('a running agent asked to reload (`agent refresh` signals it) sends the pool a heartbeat at once', async () => {
    await startService();
    const key = await subscriptionKey(service.ctx, { connections: 100, mode: 'lease' });
    const agent = openAgent();
    expect((await agent.joinSubscription(key, service.url)).ok).toBe(true);
    const openvpn = await FakeOpenvpn.start();
    const run = await running(agent, openvpn);
    try {
      // Attached, it reports to the pool at once; the next one is a 30 s interval away.
      await run.event('heartbeat');
      clock.advance(10 * 60_000);
      expect(agent.usage().subscription?.counting).toBe(false);
      run.reload();
      await run.event('heartbeat', {}, 2);
      expect(agent.usage().subscription?.counting).toBe(true);
    } finally {
      run.stop();
      await openvpn.close();
    }
  });
});
