import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DAY, ManualClock } from '../../test/support/clock.js';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import {
  accountWithKey,
  machine,
  subscriptionKey as newSubscription,
  vendorKeyOf,
} from '../../test/support/factories.js';
import { type InProcessService, startInProcessService } from '../../test/support/in-process-service.js';
import { expectRefusal } from '../../test/support/results.js';
import { Agent } from './agent.js';
import { ServiceClient } from './service-client.js';

const SECOND = 1000;

describe('agents sharing a subscription through a real service on 127.0.0.1', () => {
  let clock: ManualClock;
  let service: InProcessService;
  const dirs: ReturnType<typeof tempDir>[] = [];

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    service = await startInProcessService(clock);
  });
  afterEach(async () => {
    await service.close();
    for (const dir of dirs.splice(0)) dir.remove();
  });

  function agentOn(name: string, stateDir?: string): Agent {
    let dir = stateDir;
    if (dir === undefined) {
      const made = tempDir(`seatkeeper-pool-${name}-`);
      dirs.push(made);
      dir = made.path;
    }
    return new Agent({
      stateDir: dir,
      clock,
      machine: machine(name),
      vendorKeys: [vendorKeyOf(service.ctx)],
    });
  }

  const admitMany = (agent: Agent, prefix: string, count: number) => {
    const outcomes = [];
    for (let i = 0; i < count; i++) {
      outcomes.push(agent.admit({ id: `${prefix}-${i}` }).admitted);
      clock.advance(SECOND);
    }
    return outcomes;
  };

  it('admits up to what the pool has left as far as the last answer tells (reconcile)', async () => {
    const key = await newSubscription(service.ctx, { connections: 10 });
    const [a, b] = [agentOn('a'), agentOn('b')];
    expect((await a.joinSubscription(key, service.url)).ok).toBe(true);
    expect((await b.joinSubscription(key, service.url)).ok).toBe(true);
    expect(admitMany(a, 'a', 6).every(Boolean)).toBe(true);
    await a.heartbeat();
    await b.heartbeat();
    expect(b.capacity().seats).toBe(4);
    expect(admitMany(b, 'b', 5)).toEqual([true, true, true, true, false]);
  });

  it('disconnects exactly the excess, the newest tunnels, when servers admitted before they knew', async () => {
    const key = await newSubscription(service.ctx, { connections: 10 });
    const [a, b] = [agentOn('a'), agentOn('b')];
    await a.joinSubscription(key, service.url);
    await b.joinSubscription(key, service.url);
    admitMany(a, 'a', 6);
    admitMany(b, 'b', 6);
    const first = await a.heartbeat();
    const second = await b.heartbeat();
    expect(first.ok && first.value.disconnected).toEqual([]);
    expect(second.ok && second.value.disconnected).toEqual(['b-5', 'b-4']);
    expect(a.usage().connected + b.usage().connected).toBe(10);
    // B's next heartbeat reports what it obeyed: the pool is back within its 10 connections.
    const settled = await b.heartbeat();
    expect(settled.ok && settled.value).toMatchObject({ used: 10, disconnected: [] });
  });

  it('never over-admits in lease mode: admits inside its lease, denies when the pool is leased out, drops no one', async () => {
    const key = await newSubscription(service.ctx, { connections: 10, mode: 'lease' });
    const [a, b] = [agentOn('a'), agentOn('b')];
    await a.joinSubscription(key, service.url);
    await b.joinSubscription(key, service.url);
    let admittedA = 0;
    let admittedB = 0;
    for (let i = 0; i < 12; i++) {
      if (a.admit({ id: `a-${i}` }).admitted) admittedA++;
      await a.heartbeat();
      if (b.admit({ id: `b-${i}` }).admitted) admittedB++;
      await b.heartbeat();
      const leased = (a.capacity().seats ?? 0) + (b.capacity().seats ?? 0);
      expect(leased).toBeLessThanOrEqual(10);
      expect(a.usage().connected + b.usage().connected).toBeLessThanOrEqual(10);
    }
    expect(admittedA + admittedB).toBe(10);
    const denied = a.admit({ id: 'a-late' });
    expect(denied).toMatchObject({ admitted: false, code: 'license_limit_exceeded' });
    expect(a.usage().connected).toBe(admittedA);
  });

  it('lease: after a refusal, asks the pool at once and admits when the pool, not just its lease, has room', async () => {
    const key = await newSubscription(service.ctx, { connections: 40, mode: 'lease' });
    const [a, b] = [agentOn('a'), agentOn('b')];
    await a.joinSubscription(key, service.url);
    await b.joinSubscription(key, service.url);
    // A fills its lease faster than its background top-ups come back.
    const admitted = admitMany(a, 'a', 30).filter(Boolean).length;
    expect(admitted).toBeLessThan(30);
    expect(await a.topUp()).toBe(true);
    expect(a.admit({ id: 'a-after-top-up' }).admitted).toBe(true);
    // Once the pool is leased out, a refusal asks nobody: there is nothing to get.
    while (b.admit({ id: `b-${b.usage().connected}` }).admitted || (await b.topUp())) clock.advance(10);
    const full = b.usage().subscription;
    expect(full?.poolUsed).toBe(40);
    expect(await b.topUp()).toBe(false);
    expect(a.usage().connected + b.usage().connected).toBeLessThanOrEqual(40);
  });

  it('never writes over a subscription another command saved while a heartbeat was on its way', async () => {
    const [first, second] = [await newSubscription(service.ctx), await newSubscription(service.ctx)];
    const made = tempDir('seatkeeper-pool-switch-');
    dirs.push(made);
    const file = join(made.path, 'subscription.json');
    const running = agentOn('switch', made.path);
    expect((await running.joinSubscription(first, service.url)).ok).toBe(true);
    // What `agent subscribe` leaves once the server moved on (here: another server's membership
    // of the second subscription, saved as this directory's).
    const elsewhere = tempDir('seatkeeper-pool-elsewhere-');
    dirs.push(elsewhere);
    expect((await agentOn('elsewhere', elsewhere.path).joinSubscription(second, service.url)).ok).toBe(true);
    const saved = readFileSync(join(elsewhere.path, 'subscription.json'), 'utf8');
    writeFileSync(file, saved);
    // The running agent's heartbeat for the first subscription must not put it back.
    expect((await running.heartbeat()).ok).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(saved);
  });

  it('counts a subscription only from the signed grant: an edited state file gains nothing', async () => {
    const key = await newSubscription(service.ctx, { connections: 10 });
    const made = tempDir('seatkeeper-pool-tamper-');
    dirs.push(made);
    const agent = agentOn('tamper', made.path);
    await agent.joinSubscription(key, service.url);
    expect(agent.capacity().seats).toBe(10);
    const file = join(made.path, 'subscription.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    // The plain figures raised: the grant still says 10 and for how long.
    writeFileSync(file, JSON.stringify({ ...saved, connections: 1000, graceMs: 1e12 }));
    const edited = agentOn('tamper', made.path);
    expect(edited.capacity().seats).toBe(10);
    // The grant itself raised: its signature fails, the subscription does not count at all.
    writeFileSync(
      file,
      JSON.stringify({
        ...saved,
        grant: { ...saved.grant, payload: { ...saved.grant.payload, connections: 1000 } },
      }),
    );
    const forged = agentOn('tamper', made.path);
    expect(forged.capacity().seats).toBe(2);
    expect(forged.usage().subscription?.counting).toBe(false);
    // And the stretched grace ends with the grant's.
    clock.advance(3 * DAY);
    expect(edited.capacity().seats).toBe(2);
  });

  it('keeps working on its last answer through the grace period, across a restart, then falls back', async () => {
    const key = await newSubscription(service.ctx, { connections: 10, graceMs: 2 * DAY });
    const stateDir = tempDir('seatkeeper-pool-grace-');
    dirs.push(stateDir);
    const agent = agentOn('a', stateDir.path);
    await agent.joinSubscription(key, service.url);
    admitMany(agent, 'a', 3);
    await agent.heartbeat();
    await service.close();
    clock.advance(2 * DAY - 10 * SECOND);
    const restarted = agentOn('a', stateDir.path);
    expect(restarted.capacity().seats).toBe(10);
    const unreachable = await restarted.heartbeat();
    expectRefusal(unreachable, 'service_unreachable');
    clock.advance(10 * SECOND);
    expect(restarted.capacity().seats).toBe(2);
  });

  it('overrides the fixed keys on the server while the subscription counts', async () => {
    const { license } = await accountWithKey(service.ctx, { connections: 10 });
    const key = await newSubscription(service.ctx, { connections: 5 });
    const agent = agentOn('a');
    await agent.activate(license.key, service.url);
    expect(agent.capacity().seats).toBe(10);
    await agent.joinSubscription(key);
    expect(agent.capacity().seats).toBe(5);
  });

  it('sends heartbeats every interval of the subscription once started, until stopped', async () => {
    const key = await newSubscription(service.ctx, { connections: 10, heartbeatIntervalMs: 50 });
    const agent = agentOn('a');
    await agent.joinSubscription(key, service.url);
    // The interval's ticks are moved by hand; the heartbeats they send still cross real HTTP.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const outcomes: boolean[] = [];
      let heard = () => {};
      const nextOutcome = () => new Promise<void>((resolve) => (heard = resolve));
      const stop = agent.startHeartbeats((outcome) => {
        outcomes.push(outcome.ok);
        heard();
      });
      for (let tick = 1; tick <= 3; tick++) {
        const answered = nextOutcome();
        vi.advanceTimersByTime(50);
        await answered;
        expect(outcomes).toEqual(Array(tick).fill(true));
      }
      // A tick while one is on its way is skipped; the one on its way when stopped still reports.
      const last = nextOutcome();
      vi.advanceTimersByTime(50);
      vi.advanceTimersByTime(50);
      stop();
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(500);
      await last;
      expect(outcomes).toEqual([true, true, true, true]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('says what failed in codes of its own: no subscription joined, a grant that is not its own', async () => {
    const lonely = agentOn('lonely');
    expect(await lonely.heartbeat()).toMatchObject({ ok: false, error: { code: 'not_pool_member' } });
    const key = await newSubscription(service.ctx, { connections: 10 });
    const [dirOfA, dirOfB] = [tempDir('seatkeeper-pool-grant-'), tempDir('seatkeeper-pool-grant-')];
    dirs.push(dirOfA, dirOfB);
    await agentOn('a', dirOfA.path).joinSubscription(key, service.url);
    const { grant: grantOfA } = JSON.parse(readFileSync(join(dirOfA.path, 'subscription.json'), 'utf8'));
    // B's heartbeats come back with the grant this test puts in the answer.
    let planted: unknown;
    const b = new Agent({
      stateDir: dirOfB.path,
      clock,
      machine: machine('b'),
      vendorKeys: [vendorKeyOf(service.ctx)],
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (planted === undefined || !String(input).endsWith('/v1/heartbeats')) return response;
        const answer = (await response.json()) as Record<string, unknown>;
        return Response.json({ ...answer, grant: planted }, { status: response.status });
      },
    });
    expect((await b.joinSubscription(key, service.url)).ok).toBe(true);
    planted = grantOfA;
    expect(await b.heartbeat()).toMatchObject({ ok: false, error: { code: 'grant_invalid' } });
    planted = { ...grantOfA, payload: { ...grantOfA.payload, serverId: b.serverId } };
    expect(await b.heartbeat()).toMatchObject({ ok: false, error: { code: 'grant_invalid' } });
    expect(b.capacity().seats).toBe(10);
  });
});

describe.each(ENGINES)('an agent whose heartbeat sequence the service did not follow, on %s', (engine) => {
  let clock: ManualClock;
  let service: InProcessService;
  let state: ReturnType<typeof tempDir>;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    service = await startInProcessService(clock, engine);
    state = tempDir('seatkeeper-pool-sequence-');
  });
  afterEach(async () => {
    await service.close();
    state.remove();
  });

  const agentOfA = () =>
    new Agent({ stateDir: state.path, clock, machine: machine('a'), vendorKeys: [vendorKeyOf(service.ctx)] });

  /** A heartbeat in another server's name, four minutes ahead on a clock the service still accepts. */
  const heartbeatAhead = async (key: string, serverId: string, extra: { wanted?: number } = {}) => {
    const ahead = clock.now().getTime() + 4 * 60 * SECOND;
    const forged = await new ServiceClient(service.url).heartbeat({
      key,
      serverId,
      sequence: ahead,
      sentAt: ahead,
      tunnels: [],
      ...extra,
    });
    return { ahead, forged };
  };

  it('recovers by itself when the service holds a later sequence than its own: its tunnels count again', async () => {
    const key = await newSubscription(service.ctx, { connections: 10 });
    const a = agentOfA();
    await a.joinSubscription(key, service.url);
    for (const id of ['a-0', 'a-1', 'a-2', 'a-3']) a.admit({ id });
    expect(await a.heartbeat()).toMatchObject({ ok: true, value: { used: 4 } });
    // A heartbeat in A's name, four minutes ahead on a clock the service still accepts.
    const { ahead, forged } = await heartbeatAhead(key, a.serverId);
    expect(forged.ok && forged.value.used).toBe(0);
    clock.advance(30 * SECOND);
    expect(await a.heartbeat()).toMatchObject({ ok: true, value: { used: 4 } });
    clock.advance(30 * SECOND);
    expect(await a.heartbeat()).toMatchObject({ ok: true, value: { used: 4 } });
    const row = await service.ctx.store.db
      .selectFrom('pool_members')
      .select(['tunnel_count', 'last_sequence'])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ tunnel_count: 4, last_sequence: ahead + 2 });
  });

  it('recovers its lease by itself when the service holds a later sequence than its own', async () => {
    const key = await newSubscription(service.ctx, { connections: 10, mode: 'lease' });
    const a = agentOfA();
    expect(await a.joinSubscription(key, service.url)).toMatchObject({ ok: true, value: { lease: 1 } });
    // A heartbeat in A's name gives its lease back, ahead on a clock the service still accepts.
    const { forged } = await heartbeatAhead(key, a.serverId, { wanted: 0 });
    expect(forged.ok && forged.value.lease).toBe(0);
    clock.advance(30 * SECOND);
    expect(await a.heartbeat()).toMatchObject({ ok: true, value: { lease: 1 } });
    expect(a.admit({ id: 'a-0' }).admitted).toBe(true);
  });
});
