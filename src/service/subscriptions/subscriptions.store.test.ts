import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { machine } from '../../../test/support/factories.js';
import { expectRefusal } from '../../../test/support/results.js';
import { newId } from '../../domain/ids.js';
import { grantedSeats } from '../../domain/pool-grant.js';
import { createAccount } from '../accounts/operations.js';
import type { ServiceContext } from '../context.js';
import { heartbeat } from './heartbeat.js';
import type { HeartbeatRequest } from './heartbeat-checks.js';
import { joinPool } from './join.js';
import {
  type CreateSubscriptionInput,
  createSubscription,
  renewSubscription,
  type SubscriptionView,
} from './lifecycle.js';

const SECOND = 1000;

describe.each(ENGINES)('shared pools on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;
  let accountId: string;
  const sequences = new Map<string, number>();

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    ctx = await testContext(engine, clock);
    const account = await createAccount(ctx, { email: 'pools@example.com' });
    if (!account.ok) throw new Error(account.error.detail);
    accountId = account.value.account.id;
    sequences.clear();
  });
  afterEach(async () => ctx.cleanup());

  async function subscription(input: Partial<CreateSubscriptionInput> = {}): Promise<SubscriptionView> {
    const created = await createSubscription(ctx, {
      accountId,
      connections: 100,
      period: 'yearly',
      ...input,
    });
    if (!created.ok) throw new Error(created.error.detail);
    return created.value;
  }

  async function server(sub: SubscriptionView, name: string): Promise<string> {
    const serverId = newId('srv', clock.now().getTime());
    const joined = await joinPool(ctx, { key: sub.key, serverId, fingerprint: machine(name) });
    if (!joined.ok) throw new Error(joined.error.detail);
    return serverId;
  }

  /** `count` tunnels connected one second apart, the first at `firstAt`. */
  const tunnels = (prefix: string, count: number, firstAt: number) =>
    Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, connectedAt: firstAt + i * SECOND }));

  function beat(
    sub: SubscriptionView,
    serverId: string,
    reported: { id: string; connectedAt: number }[],
    extra: { wanted?: number } = {},
  ) {
    const sequence = (sequences.get(serverId) ?? 0) + 1;
    sequences.set(serverId, sequence);
    return heartbeat(ctx, {
      key: sub.key,
      serverId,
      sequence,
      sentAt: clock.now().getTime(),
      tunnels: reported,
      ...extra,
    });
  }

  const start = () => clock.now().getTime() - 3600 * SECOND;

  /** A heartbeat as given: what `beat` leaves to defaults (sequence, time, tunnels) stated here. */
  const send = (
    sub: { key: string },
    fields: Partial<HeartbeatRequest> & { serverId: string; sequence: number },
  ) => heartbeat(ctx, { key: sub.key, sentAt: clock.now().getTime(), tunnels: [], ...fields });

  it('creates a monthly or yearly subscription with a long key of its own kind', async () => {
    const monthly = await subscription({ period: 'monthly', connections: 25 });
    expect(monthly).toMatchObject({
      connections: 25,
      period: 'monthly',
      autoRenew: true,
      mode: 'reconcile',
      order: 'newest',
      periodEnds: '2026-12-23T12:00:00.000Z',
    });
    expect(monthly.key).toMatch(/^sks_[A-Za-z0-9_-]{43}$/);
    expect((await subscription({ period: 'yearly' })).periodEnds).toBe('2027-11-23T12:00:00.000Z');
  });

  it('lets many servers join one pool, each server only one pool', async () => {
    const first = await subscription();
    const other = await subscription();
    const serverId = await server(first, 'a');
    await server(first, 'b');
    const again = await joinPool(ctx, { key: first.key, serverId, fingerprint: machine('a') });
    expect(again.ok && again.value.created).toBe(false);
    const elsewhere = await joinPool(ctx, { key: other.key, serverId, fingerprint: machine('a') });
    expectRefusal(elsewhere, 'server_has_subscription');
    const clone = await joinPool(ctx, { key: first.key, serverId, fingerprint: machine('copy') });
    expectRefusal(clone, 'fingerprint_mismatch');
    expect(await ctx.store.db.selectFrom('pool_members').select('server_id').execute()).toHaveLength(2);
  });

  it('is fine with 99 tunnels on A and 1 on B against 100 connections (the seeds’ first example)', async () => {
    const sub = await subscription();
    const [a, b] = [await server(sub, 'a'), await server(sub, 'b')];
    const onA = await beat(sub, a, tunnels('a', 99, start()));
    const onB = await beat(sub, b, tunnels('b', 1, start() + 500 * SECOND));
    expect(onA.ok && onA.value).toMatchObject({ used: 99, disconnect: [] });
    expect(onB.ok && onB.value).toMatchObject({ used: 100, disconnect: [] });
  });

  it('disconnects the one tunnel that connected last with 30 on A and 71 on B (the seeds’ second example)', async () => {
    const sub = await subscription();
    const [a, b] = [await server(sub, 'a'), await server(sub, 'b')];
    await beat(sub, b, tunnels('b', 71, start()));
    // A's 30th tunnel is the last of all 101.
    const onA = await beat(sub, a, tunnels('a', 30, start() + 100 * SECOND));
    expect(onA.ok && onA.value).toMatchObject({ used: 101, disconnect: ['a-29'] });
    const onB = await beat(sub, b, tunnels('b', 71, start()));
    expect(onB.ok && onB.value).toMatchObject({ used: 101, disconnect: [] });
    // A obeyed: at its next heartbeat the pool is back within its 100 connections.
    const after = await beat(sub, a, tunnels('a', 29, start() + 100 * SECOND));
    expect(after.ok && after.value).toMatchObject({ used: 100, disconnect: [] });
  });

  it('disconnects the oldest tunnels first when the pool says so', async () => {
    const sub = await subscription({ connections: 10, order: 'oldest' });
    const [a, b] = [await server(sub, 'a'), await server(sub, 'b')];
    await beat(sub, a, tunnels('a', 6, start() + 10 * SECOND));
    const onB = await beat(sub, b, tunnels('b', 6, start()));
    expect(onB.ok && onB.value.disconnect).toEqual(['b-0', 'b-1']);
    const onA = await beat(sub, a, tunnels('a', 6, start() + 10 * SECOND));
    expect(onA.ok && onA.value.disconnect).toEqual([]);
  });

  it('drops a server that stopped sending heartbeats for three intervals from the sum', async () => {
    const sub = await subscription({ connections: 10, heartbeatIntervalMs: 30 * SECOND });
    const [a, b] = [await server(sub, 'a'), await server(sub, 'b')];
    await beat(sub, b, tunnels('b', 8, start()));
    const over = await beat(sub, a, tunnels('a', 5, start() + 100 * SECOND));
    expect(over.ok && over.value).toMatchObject({ used: 13, disconnect: ['a-4', 'a-3', 'a-2'] });
    clock.advance(89 * SECOND);
    expect(
      ((await beat(sub, a, tunnels('a', 5, start() + 100 * SECOND))) as { value: { used: number } }).value
        .used,
    ).toBe(13);
    clock.advance(SECOND);
    const dropped = await beat(sub, a, tunnels('a', 5, start() + 100 * SECOND));
    expect(dropped.ok && dropped.value).toMatchObject({ used: 5, disconnect: [] });
  });

  it('answers a repeated heartbeat from what it stored, never from what the repeat claims', async () => {
    const sub = await subscription({ connections: 10 });
    const a = await server(sub, 'a');
    await send(sub, { serverId: a, sequence: 5, tunnels: tunnels('a', 3, start()) });
    const many = tunnels('a', 5000, start() - 5000 * SECOND);
    const repeated = await send(sub, { serverId: a, sequence: 5, tunnels: many });
    expect(repeated.ok && repeated.value.used).toBe(3);
    const grant = repeated.ok ? repeated.value.grant.payload : undefined;
    expect(grant).toMatchObject({ used: 3, reported: 3 });
    expect(grant && grantedSeats(grant, clock.now().getTime())).toBe(10);
  });

  it.each(['reconcile', 'lease'] as const)(
    'refuses a heartbeat older than the stored one, saying which sequence is stored (%s)',
    async (mode) => {
      const sub = await subscription({ connections: 10, mode });
      const a = await server(sub, 'a');
      await send(sub, { serverId: a, sequence: 5, tunnels: tunnels('a', 3, start()), wanted: 3 });
      const old = await send(sub, { serverId: a, sequence: 4, tunnels: tunnels('a', 9, start()) });
      expect(old.ok ? undefined : old.error).toMatchObject({
        code: 'heartbeat_out_of_order',
        field: 'sequence',
        storedSequence: 5,
      });
      const row = await ctx.store.db
        .selectFrom('pool_members')
        .select('tunnel_count')
        .executeTakeFirstOrThrow();
      expect(row.tunnel_count).toBe(3);
    },
  );

  it.each(['reconcile', 'lease'] as const)(
    'refuses a sequence ahead of the server’s clock, so one heartbeat cannot make the real ones old (%s)',
    async (mode) => {
      const sub = await subscription({ connections: 10, mode });
      const [a, b] = [await server(sub, 'a'), await server(sub, 'b')];
      const now = clock.now().getTime();
      await send(sub, { serverId: a, sequence: now, tunnels: tunnels('a', 40, start()), wanted: 40 });
      await send(sub, {
        serverId: b,
        sequence: now,
        tunnels: tunnels('b', 10, start() - 100 * SECOND),
        wanted: 10,
      });
      const poison = await send(sub, { serverId: a, sequence: Number.MAX_SAFE_INTEGER, tunnels: [] });
      expect(poison.ok ? undefined : poison.error).toMatchObject({
        code: 'heartbeat_out_of_order',
        storedSequence: now,
      });
      clock.advance(30 * SECOND);
      const real = await send(sub, {
        serverId: a,
        sequence: now + 30 * SECOND,
        tunnels: tunnels('a', 40, start()),
        wanted: 40,
      });
      // A's tunnels still count: reconcile orders off the 40 over the pool, all A's newer ones; lease keeps A's lease.
      if (mode === 'reconcile') {
        expect(real.ok && real.value.used).toBe(50);
        expect(real.ok && real.value.disconnect).toHaveLength(40);
      } else expect(real.ok && real.value).toMatchObject({ used: 10, lease: 10 });
    },
  );

  it('accepts the next sequence after the stored one even when the server’s clock went back', async () => {
    const sub = await subscription({ connections: 10 });
    const a = await server(sub, 'a');
    const now = clock.now().getTime();
    await send(sub, { serverId: a, sequence: now + 60 * SECOND, sentAt: now + 60 * SECOND });
    const next = await send(sub, {
      serverId: a,
      sequence: now + 60 * SECOND + 1,
      tunnels: tunnels('a', 2, start()),
    });
    expect(next.ok && next.value.used).toBe(2);
  });

  it('grants a server joining a full pool nothing, however many join (reconcile)', async () => {
    const sub = await subscription({ connections: 10 });
    const a = await server(sub, 'a');
    await beat(sub, a, tunnels('a', 10, start()));
    const joined = await Promise.all(
      ['b', 'c', 'd', 'e', 'f'].map((name) =>
        joinPool(ctx, {
          key: sub.key,
          serverId: newId('srv', clock.now().getTime()),
          fingerprint: machine(name),
        }),
      ),
    );
    const now = clock.now().getTime();
    const seats = joined.map((j) => (j.ok ? grantedSeats(j.value.grant.payload, now) : undefined));
    expect(seats).toEqual([0, 0, 0, 0, 0]);
    expect(joined[0]?.ok && joined[0].value.grant.payload).toMatchObject({ used: 10, reported: 0 });
  });

  it('grants a server joining a lease pool no lease until it leases one', async () => {
    const sub = await subscription({ connections: 10, mode: 'lease' });
    const a = await server(sub, 'a');
    await beat(sub, a, [], { wanted: 10 });
    const b = await joinPool(ctx, {
      key: sub.key,
      serverId: newId('srv', clock.now().getTime()),
      fingerprint: machine('b'),
    });
    const grant = b.ok ? b.value.grant.payload : undefined;
    expect(grant).toMatchObject({ lease: 0, used: 10 });
    expect(grant && grantedSeats(grant, clock.now().getTime())).toBe(0);
  });

  it('does not start a fresh grace period when a server joins again: the grant runs from its last heartbeat', async () => {
    const sub = await subscription({ connections: 10, graceMs: 2 * DAY });
    const a = await server(sub, 'a');
    const joinedAt = clock.now().getTime();
    await beat(sub, a, tunnels('a', 4, start()));
    const lastHeartbeat = clock.now().getTime();
    clock.advance(DAY);
    const again = await joinPool(ctx, { key: sub.key, serverId: a, fingerprint: machine('a') });
    expect(again.ok && again.value.grant.payload.validUntil).toBe(
      new Date(lastHeartbeat + 2 * DAY).toISOString(),
    );
    const row = await ctx.store.db.selectFrom('pool_members').select('joined_at').executeTakeFirstOrThrow();
    expect(Number(row.joined_at)).toBe(joinedAt);
  });

  it('refuses bad heartbeats with a clear code and counts nothing from them', async () => {
    const sub = await subscription({ connections: 10 });
    const a = await server(sub, 'a');
    await beat(sub, a, tunnels('a', 2, start()));
    const now = clock.now().getTime();
    const stranger = await send(sub, { serverId: newId('srv', now), sequence: 1, sentAt: now });
    expectRefusal(stranger, 'not_pool_member');
    const twice = await send(sub, {
      serverId: a,
      sequence: 10,
      sentAt: now,
      tunnels: [...tunnels('a', 2, start()), { id: 'a-0', connectedAt: start() }],
    });
    expect(twice.ok ? undefined : twice.error).toMatchObject({ code: 'validation_failed', field: 'tunnels' });
    const skewed = await send(sub, { serverId: a, sequence: 11, sentAt: now + 3600 * SECOND });
    expectRefusal(skewed, 'clock_skew');
    const future = await send(sub, {
      serverId: a,
      sequence: 12,
      sentAt: now,
      tunnels: [{ id: 'x', connectedAt: now + 60 * SECOND }],
    });
    expectRefusal(future, 'validation_failed');
    const wrongKey = await send({ key: 'sks_nope' }, { serverId: a, sequence: 13, sentAt: now });
    expectRefusal(wrongKey, 'license_key_malformed');
    const unchanged = await beat(sub, a, tunnels('a', 2, start()));
    expect(unchanged.ok && unchanged.value.used).toBe(2);
  });

  it('refuses heartbeats once a subscription that does not auto-renew has ended', async () => {
    const sub = await subscription({ period: 'monthly', autoRenew: false });
    const a = await server(sub, 'a');
    clock.advance(31 * DAY);
    const late = await beat(sub, a, []);
    expectRefusal(late, 'subscription_expired');
  });

  it('leases seats only while the leases fit the pool, even when 20 servers ask at once', async () => {
    const sub = await subscription({ connections: 100, mode: 'lease' });
    const servers = await Promise.all(Array.from({ length: 20 }, (_, i) => server(sub, `s${i}`)));
    const answers = await Promise.all(servers.map((serverId) => beat(sub, serverId, [], { wanted: 10 })));
    const granted = answers.map((answer) => (answer.ok ? answer.value.lease : Number.NaN));
    expect(granted.reduce((sum, lease) => sum + lease, 0)).toBe(100);
    expect(granted.filter((lease) => lease === 10)).toHaveLength(10);
    const rows = await ctx.store.db.selectFrom('pool_members').select('lease').execute();
    expect(rows.reduce((sum, row) => sum + row.lease, 0)).toBe(100);
  });

  it('gives a lapsed lease’s seats back to the pool, and lets a member shrink its lease', async () => {
    const sub = await subscription({ connections: 10, mode: 'lease', heartbeatIntervalMs: 30 * SECOND });
    const [a, b] = [await server(sub, 'a'), await server(sub, 'b')];
    expect(((await beat(sub, a, [], { wanted: 8 })) as { value: { lease: number } }).value.lease).toBe(8);
    expect(((await beat(sub, b, [], { wanted: 8 })) as { value: { lease: number } }).value.lease).toBe(2);
    expect(((await beat(sub, a, [], { wanted: 3 })) as { value: { lease: number } }).value.lease).toBe(3);
    expect(((await beat(sub, b, [], { wanted: 8 })) as { value: { lease: number } }).value.lease).toBe(7);
    clock.advance(90 * SECOND);
    // A stopped heartbeating: its 3 seats are free again.
    const afterLapse = await beat(sub, b, [], { wanted: 10 });
    expect(afterLapse.ok && afterLapse.value).toMatchObject({ lease: 10, used: 10 });
  });

  it('moves an auto-renewing subscription on by whole periods when its period ends, with heartbeats racing', async () => {
    const sub = await subscription({ period: 'monthly' });
    const [a, b] = [await server(sub, 'a'), await server(sub, 'b')];
    clock.set('2027-01-30T00:00:00.000Z');
    const [first, second] = await Promise.all([beat(sub, a, []), beat(sub, b, [])]);
    expect(first.ok && second.ok).toBe(true);
    const row = await ctx.store.db
      .selectFrom('subscriptions')
      .select('period_ends_at')
      .executeTakeFirstOrThrow();
    expect(new Date(row.period_ends_at).toISOString()).toBe('2027-02-23T12:00:00.000Z');
  });

  it('renews by one period: from its end in advance, from the renewal when it had ended', async () => {
    const sub = await subscription({ period: 'monthly', autoRenew: false });
    const early = await renewSubscription(ctx, sub.id);
    expect(early.ok && early.value.periodEnds).toBe('2027-01-23T12:00:00.000Z');
    clock.set('2027-03-01T00:00:00.000Z');
    const late = await renewSubscription(ctx, sub.id);
    expect(late.ok && late.value.periodEnds).toBe('2027-04-01T00:00:00.000Z');
    const missing = await renewSubscription(ctx, 'sub_01kax5c1x8b2m4n6p8r0s2t4v6');
    expectRefusal(missing, 'subscription_not_found');
  });

  it('moves an ended subscription on only for a well-formed heartbeat of a member', async () => {
    const sub = await subscription({ period: 'monthly' });
    const a = await server(sub, 'a');
    clock.set('2027-01-30T00:00:00.000Z');
    const now = clock.now().getTime();
    const stranger = await send(sub, { serverId: newId('srv', now), sequence: 1, sentAt: now });
    expectRefusal(stranger, 'not_pool_member');
    const skewed = await send(sub, { serverId: a, sequence: 1, sentAt: now + 3_600_000 });
    expectRefusal(skewed, 'clock_skew');
    const ends = async () =>
      (await ctx.store.db.selectFrom('subscriptions').select('period_ends_at').executeTakeFirstOrThrow())
        .period_ends_at;
    expect(new Date(await ends()).toISOString()).toBe('2026-12-23T12:00:00.000Z');
    const member = await beat(sub, a, []);
    expect(member.ok && member.value.periodEnds).toBe('2027-02-23T12:00:00.000Z');
  });

  it('lets a server whose subscription ended for good join another, and only then', async () => {
    const first = await subscription({ period: 'monthly', autoRenew: false });
    const second = await subscription({ period: 'yearly' });
    const a = await server(first, 'a');
    const early = await joinPool(ctx, { key: second.key, serverId: a, fingerprint: machine('a') });
    expectRefusal(early, 'server_has_subscription');
    clock.advance(31 * DAY);
    const moved = await joinPool(ctx, { key: second.key, serverId: a, fingerprint: machine('a') });
    expect(moved.ok && moved.value).toMatchObject({ subscriptionId: second.id, created: true });
    const answer = await send(second, { serverId: a, sequence: 1 });
    expect(answer.ok).toBe(true);
    const members = await ctx.store.db.selectFrom('pool_members').select('subscription_id').execute();
    expect(members).toEqual([{ subscription_id: second.id }]);
  });
});
