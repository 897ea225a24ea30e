import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../test/support/engines.js';
import { poolFixture } from '../../../test/support/pools.js';
import { value } from '../../../test/support/results.js';
import { accountUsage, pruneUsage } from './operations.js';
import { HOUR_MS, hourOf, usageSince } from './repository.js';

describe.each(ENGINES)('usage history on %s', (engine) => {
  const pools = poolFixture(engine);
  const { subscription, server, tunnels, beat, start, send } = pools;
  const history = async (accountId: string) =>
    (await usageSince(pools.ctx.store.db, accountId, 0)).map(({ subject, hour, peak, licensed }) => ({
      subject,
      hour,
      peak,
      licensed,
    }));

  it('keeps each server’s and the pool’s hourly peak of tunnels, with the seats licensed then', async () => {
    const sub = await subscription({ connections: 100 });
    const [a, b] = [await server(sub, 'a'), await server(sub, 'b')];
    const hour = hourOf(pools.clock.now().getTime());
    await beat(sub, a, tunnels('a', 30, start()));
    await beat(sub, b, tunnels('b', 50, start()));
    pools.clock.advance(10_000);
    // A drops to 10: its peak and the pool's (30 + 50) stay.
    await beat(sub, a, tunnels('a', 10, start()));
    const rows = await history(sub.accountId);
    expect(rows).toHaveLength(3);
    expect(rows).toEqual(
      expect.arrayContaining([
        { subject: a, hour, peak: 30, licensed: 100 },
        { subject: b, hour, peak: 50, licensed: 100 },
        { subject: sub.id, hour, peak: 80, licensed: 100 },
      ]),
    );

    // The next hour starts its own rows.
    pools.clock.set(new Date(hour + HOUR_MS + 60_000));
    await beat(sub, a, tunnels('a', 12, start()));
    await beat(sub, b, tunnels('b', 40, start()));
    const next = (await history(sub.accountId)).filter((row) => row.hour === hour + HOUR_MS);
    expect(next).toEqual(
      expect.arrayContaining([
        { subject: a, hour: hour + HOUR_MS, peak: 12, licensed: 100 },
        { subject: b, hour: hour + HOUR_MS, peak: 40, licensed: 100 },
        { subject: sub.id, hour: hour + HOUR_MS, peak: 52, licensed: 100 },
      ]),
    );
  });

  it('records lease-mode heartbeats too, and nothing for a heartbeat that is not applied', async () => {
    const sub = await subscription({ connections: 20, mode: 'lease' });
    const a = await server(sub, 'a');
    await beat(sub, a, tunnels('a', 7, start()));
    const hour = hourOf(pools.clock.now().getTime());
    expect(await history(sub.accountId)).toEqual(
      expect.arrayContaining([
        { subject: a, hour, peak: 7, licensed: 20 },
        { subject: sub.id, hour, peak: 7, licensed: 20 },
      ]),
    );

    const other = await subscription({ connections: 10 });
    const b = await server(other, 'b');
    await beat(other, b, tunnels('b', 3, start()));
    // An old sequence (a repeat of the first) with more tunnels is not applied, and not recorded.
    const repeat = await send(other, { serverId: b, sequence: 1, tunnels: tunnels('b', 9, start()) });
    expect(repeat.ok).toBe(true);
    expect((await history(sub.accountId)).filter((row) => row.subject === b)).toEqual([
      { subject: b, hour, peak: 3, licensed: 10 },
    ]);
  });

  it('advises on the pool’s 30-day peak, and prunes hours older than 400 days', async () => {
    const sub = await subscription({ connections: 100 });
    const a = await server(sub, 'a');
    const principal = {
      kind: 'account',
      accountId: sub.accountId,
      role: 'owner',
      userId: 'usr_test',
    } as const;
    expect(value(await accountUsage(pools.ctx, principal, sub.accountId)).pools[0]?.advice.kind).toBe(
      'no_data',
    );
    await beat(sub, a, tunnels('a', 87, start()));
    const usage = value(await accountUsage(pools.ctx, principal, sub.accountId));
    expect(usage.pools[0]?.advice.sentence).toBe(
      'Your peak in the last 30 days was 87 of 100: a 100-connection key fits.',
    );
    expect(usage.pools[0]?.servers.map((series) => [series.label, series.peak])).toEqual([
      ['vpn-a.example.net', 87],
    ]);
    const stranger = { ...principal, accountId: 'acc_other' };
    expect((await accountUsage(pools.ctx, stranger, sub.accountId)).ok).toBe(false);

    pools.clock.advance(400 * 86_400_000 + HOUR_MS);
    expect(await pruneUsage(pools.ctx)).toBe(2);
    expect(await history(sub.accountId)).toEqual([]);
  });
});
