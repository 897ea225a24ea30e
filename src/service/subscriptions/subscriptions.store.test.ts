import { describe, expect, it } from 'vitest';
import { DAY } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { machine } from '../../../test/support/factories.js';
import { poolFixture } from '../../../test/support/pools.js';
import { expectRefusal } from '../../../test/support/results.js';
import { newId } from '../../domain/ids.js';
import { grantedSeats } from '../../domain/pool-grant.js';
import { joinPool } from './join.js';
import { renewSubscription } from './lifecycle.js';

describe.each(ENGINES)('subscriptions and their members on %s', (engine) => {
  const pools = poolFixture(engine);
  const { subscription, server, tunnels, beat, start, send } = pools;

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
    const again = await joinPool(pools.ctx, { key: first.key, serverId, fingerprint: machine('a') });
    expect(again.ok && again.value.created).toBe(false);
    const elsewhere = await joinPool(pools.ctx, { key: other.key, serverId, fingerprint: machine('a') });
    expectRefusal(elsewhere, 'server_has_subscription');
    const clone = await joinPool(pools.ctx, { key: first.key, serverId, fingerprint: machine('copy') });
    expectRefusal(clone, 'fingerprint_mismatch');
    expect(await pools.ctx.store.db.selectFrom('pool_members').select('server_id').execute()).toHaveLength(2);
  });

  it('grants a server joining a full pool nothing, however many join (reconcile)', async () => {
    const sub = await subscription({ connections: 10 });
    const a = await server(sub, 'a');
    await beat(sub, a, tunnels('a', 10, start()));
    const joined = await Promise.all(
      ['b', 'c', 'd', 'e', 'f'].map((name) =>
        joinPool(pools.ctx, {
          key: sub.key,
          serverId: newId('srv', pools.clock.now().getTime()),
          fingerprint: machine(name),
        }),
      ),
    );
    const now = pools.clock.now().getTime();
    const seats = joined.map((j) => (j.ok ? grantedSeats(j.value.grant.payload, now) : undefined));
    expect(seats).toEqual([0, 0, 0, 0, 0]);
    expect(joined[0]?.ok && joined[0].value.grant.payload).toMatchObject({ used: 10, reported: 0 });
  });

  it('grants a server joining a lease pool no lease until it leases one', async () => {
    const sub = await subscription({ connections: 10, mode: 'lease' });
    const a = await server(sub, 'a');
    await beat(sub, a, [], { wanted: 10 });
    const b = await joinPool(pools.ctx, {
      key: sub.key,
      serverId: newId('srv', pools.clock.now().getTime()),
      fingerprint: machine('b'),
    });
    const grant = b.ok ? b.value.grant.payload : undefined;
    expect(grant).toMatchObject({ lease: 0, used: 10 });
    expect(grant && grantedSeats(grant, pools.clock.now().getTime())).toBe(0);
  });

  it('does not start a fresh grace period when a server joins again: the grant runs from its last heartbeat', async () => {
    const sub = await subscription({ connections: 10, graceMs: 2 * DAY });
    const a = await server(sub, 'a');
    const joinedAt = pools.clock.now().getTime();
    await beat(sub, a, tunnels('a', 4, start()));
    const lastHeartbeat = pools.clock.now().getTime();
    pools.clock.advance(DAY);
    const again = await joinPool(pools.ctx, { key: sub.key, serverId: a, fingerprint: machine('a') });
    expect(again.ok && again.value.grant.payload.validUntil).toBe(
      new Date(lastHeartbeat + 2 * DAY).toISOString(),
    );
    const row = await pools.ctx.store.db
      .selectFrom('pool_members')
      .select('joined_at')
      .executeTakeFirstOrThrow();
    expect(Number(row.joined_at)).toBe(joinedAt);
  });

  it('refuses heartbeats once a subscription that does not auto-renew has ended', async () => {
    const sub = await subscription({ period: 'monthly', autoRenew: false });
    const a = await server(sub, 'a');
    pools.clock.advance(31 * DAY);
    const late = await beat(sub, a, []);
    expectRefusal(late, 'subscription_expired');
  });

  it('moves an auto-renewing subscription on by whole periods when its period ends, with heartbeats racing', async () => {
    const sub = await subscription({ period: 'monthly' });
    const [a, b] = [await server(sub, 'a'), await server(sub, 'b')];
    pools.clock.set('2027-01-30T00:00:00.000Z');
    const [first, second] = await Promise.all([beat(sub, a, []), beat(sub, b, [])]);
    expect(first.ok && second.ok).toBe(true);
    const row = await pools.ctx.store.db
      .selectFrom('subscriptions')
      .select('period_ends_at')
      .executeTakeFirstOrThrow();
    expect(new Date(row.period_ends_at).toISOString()).toBe('2027-02-23T12:00:00.000Z');
  });

  it('renews by one period: from its end in advance, from the renewal when it had ended', async () => {
    const sub = await subscription({ period: 'monthly', autoRenew: false });
    const early = await renewSubscription(pools.ctx, sub.id);
    expect(early.ok && early.value.periodEnds).toBe('2027-01-23T12:00:00.000Z');
    pools.clock.set('2027-03-01T00:00:00.000Z');
    const late = await renewSubscription(pools.ctx, sub.id);
    expect(late.ok && late.value.periodEnds).toBe('2027-04-01T00:00:00.000Z');
    const missing = await renewSubscription(pools.ctx, 'sub_01kax5c1x8b2m4n6p8r0s2t4v6');
    expectRefusal(missing, 'subscription_not_found');
  });

  it('moves an ended subscription on only for a well-formed heartbeat of a member', async () => {
    const sub = await subscription({ period: 'monthly' });
    const a = await server(sub, 'a');
    pools.clock.set('2027-01-30T00:00:00.000Z');
    const now = pools.clock.now().getTime();
    const stranger = await send(sub, { serverId: newId('srv', now), sequence: 1, sentAt: now });
    expectRefusal(stranger, 'not_pool_member');
    const skewed = await send(sub, { serverId: a, sequence: 1, sentAt: now + 3_600_000 });
    expectRefusal(skewed, 'clock_skew');
    const ends = async () =>
      (
        await pools.ctx.store.db
          .selectFrom('subscriptions')
          .select('period_ends_at')
          .executeTakeFirstOrThrow()
      ).period_ends_at;
    expect(new Date(await ends()).toISOString()).toBe('2026-12-23T12:00:00.000Z');
    const member = await beat(sub, a, []);
    expect(member.ok && member.value.periodEnds).toBe('2027-02-23T12:00:00.000Z');
  });

  it('lets a server whose subscription ended for good join another, and only then', async () => {
    const first = await subscription({ period: 'monthly', autoRenew: false });
    const second = await subscription({ period: 'yearly' });
    const a = await server(first, 'a');
    const early = await joinPool(pools.ctx, { key: second.key, serverId: a, fingerprint: machine('a') });
    expectRefusal(early, 'server_has_subscription');
    pools.clock.advance(31 * DAY);
    const moved = await joinPool(pools.ctx, { key: second.key, serverId: a, fingerprint: machine('a') });
    expect(moved.ok && moved.value).toMatchObject({ subscriptionId: second.id, created: true });
    const answer = await send(second, { serverId: a, sequence: 1 });
    expect(answer.ok).toBe(true);
    const members = await pools.ctx.store.db.selectFrom('pool_members').select('subscription_id').execute();
    expect(members).toEqual([{ subscription_id: second.id }]);
  });
});
