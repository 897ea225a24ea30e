import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../test/support/engines.js';
import { poolFixture, SECOND } from '../../../test/support/pools.js';
import { expectRefusal } from '../../../test/support/results.js';
import { newId } from '../../domain/ids.js';
import { grantedSeats } from '../../domain/pool-grant.js';

describe.each(ENGINES)('pool heartbeats, reconcile and lease, on %s', (engine) => {
  const pools = poolFixture(engine);
  const { subscription, server, tunnels, beat, start, send } = pools;

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
    pools.clock.advance(89 * SECOND);
    expect(
      ((await beat(sub, a, tunnels('a', 5, start() + 100 * SECOND))) as { value: { used: number } }).value
        .used,
    ).toBe(13);
    pools.clock.advance(SECOND);
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
    expect(grant && grantedSeats(grant, pools.clock.now().getTime())).toBe(10);
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
      const row = await pools.ctx.store.db
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
      const now = pools.clock.now().getTime();
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
      pools.clock.advance(30 * SECOND);
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
    const now = pools.clock.now().getTime();
    await send(sub, { serverId: a, sequence: now + 60 * SECOND, sentAt: now + 60 * SECOND });
    const next = await send(sub, {
      serverId: a,
      sequence: now + 60 * SECOND + 1,
      tunnels: tunnels('a', 2, start()),
    });
    expect(next.ok && next.value.used).toBe(2);
  });

  it('refuses bad heartbeats with a clear code and counts nothing from them', async () => {
    const sub = await subscription({ connections: 10 });
    const a = await server(sub, 'a');
    await beat(sub, a, tunnels('a', 2, start()));
    const now = pools.clock.now().getTime();
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

  it('leases seats only while the leases fit the pool, even when 20 servers ask at once', async () => {
    const sub = await subscription({ connections: 100, mode: 'lease' });
    const servers = await Promise.all(Array.from({ length: 20 }, (_, i) => server(sub, `s${i}`)));
    const answers = await Promise.all(servers.map((serverId) => beat(sub, serverId, [], { wanted: 10 })));
    const granted = answers.map((answer) => (answer.ok ? answer.value.lease : Number.NaN));
    expect(granted.reduce((sum, lease) => sum + lease, 0)).toBe(100);
    expect(granted.filter((lease) => lease === 10)).toHaveLength(10);
    const rows = await pools.ctx.store.db.selectFrom('pool_members').select('lease').execute();
    expect(rows.reduce((sum, row) => sum + row.lease, 0)).toBe(100);
  });

  it('gives a lapsed lease’s seats back to the pool, and lets a member shrink its lease', async () => {
    const sub = await subscription({ connections: 10, mode: 'lease', heartbeatIntervalMs: 30 * SECOND });
    const [a, b] = [await server(sub, 'a'), await server(sub, 'b')];
    expect(((await beat(sub, a, [], { wanted: 8 })) as { value: { lease: number } }).value.lease).toBe(8);
    expect(((await beat(sub, b, [], { wanted: 8 })) as { value: { lease: number } }).value.lease).toBe(2);
    expect(((await beat(sub, a, [], { wanted: 3 })) as { value: { lease: number } }).value.lease).toBe(3);
    expect(((await beat(sub, b, [], { wanted: 8 })) as { value: { lease: number } }).value.lease).toBe(7);
    pools.clock.advance(90 * SECOND);
    // A stopped heartbeating: its 3 seats are free again.
    const afterLapse = await beat(sub, b, [], { wanted: 10 });
    expect(afterLapse.ok && afterLapse.value).toMatchObject({ lease: 10, used: 10 });
  });
});
