import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { FakeOpenvpn, type FakeOpenvpnOptions, type SentEvent } from '../../../test/support/fake-openvpn.js';
import { LIMIT_EXCEEDED_MESSAGE } from '../../domain/errors.js';
import { Admission } from '../admission.js';
import { type Admitter, Gatekeeper, type GatekeeperOptions } from './gatekeeper.js';

/** The agent's seats, as the gatekeeper sees them: a capacity and, unless a test says, no pool to grow from. */
class Seats extends Admission implements Admitter {
  capacity: number;
  topUp: () => Promise<boolean> = async () => false;

  constructor(capacity: number) {
    const clock = new ManualClock();
    super(
      () => this.capacity,
      () => clock.now(),
    );
    this.capacity = capacity;
  }

  usage(): { connected: number; licensed: number } {
    return { connected: this.connected, licensed: this.capacity };
  }
}

/** The gatekeeper's log lines, as objects. */
class Log {
  readonly lines: Record<string, unknown>[] = [];
  readonly logger = pino({ level: 'info' }, { write: (line: string) => this.lines.push(JSON.parse(line)) });

  events(name: string): Record<string, unknown>[] {
    return this.lines.filter((line) => line.event === name);
  }
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A fake server (or the one given) and a gatekeeper attached to it, its first count made. */
async function attach(
  options: {
    capacity?: number;
    server?: FakeOpenvpn | FakeOpenvpnOptions;
    gatekeeper?: Partial<GatekeeperOptions>;
  } = {},
) {
  const server =
    options.server instanceof FakeOpenvpn ? options.server : await FakeOpenvpn.start(options.server);
  const seats = new Seats(options.capacity ?? 2);
  const log = new Log();
  let attached: () => void = () => {};
  const ready = new Promise<void>((done) => {
    attached = done;
  });
  const gatekeeper = new Gatekeeper(seats, {
    address: server.address,
    logger: log.logger,
    backoffMs: { first: 10, max: 50 },
    ...options.gatekeeper,
    onChange: (change) => {
      if (change === 'attached') attached();
    },
  });
  const running = gatekeeper.run();
  stops.push(async () => {
    gatekeeper.stop();
    await running;
    await server.close();
  });
  await ready;
  return { server, seats, log, gatekeeper };
}

type Attached = Awaited<ReturnType<typeof attach>>;

/** A client connects, is admitted and completes its connection. */
async function connected({ server }: Attached, commonName: string): Promise<SentEvent> {
  const event = server.connect(commonName);
  expect(await server.answer(event)).toBe(`client-auth-nt ${event.cid} ${event.kid}`);
  server.establish(event.cid);
  return event;
}

/**
 * Waits for a periodic count made wholly after what the test did: the next `status` may have left
 * before, but the one after it leaves only once the gatekeeper has read the first one's list.
 */
async function resynced({ server }: Attached): Promise<void> {
  const from = server.commands.length;
  await server.command(/^status 3$/, from);
  await server.command(/^status 3$/, server.commands.indexOf('status 3', from) + 1);
}

describe('the gatekeeper against a fake OpenVPN management interface', () => {
  it('admits up to the licensed connections and denies the next with the seeds’ message', async () => {
    const gate = await attach({ capacity: 2 });
    await connected(gate, 'alice');
    await connected(gate, 'bob');
    const third = gate.server.connect('carol');
    expect(await gate.server.answer(third)).toBe(
      `client-deny ${third.cid} ${third.kid} "seatkeeper: 2 of 2 connections in use" "${LIMIT_EXCEEDED_MESSAGE}"`,
    );
    expect(gate.seats.connected).toBe(2);
    expect(gate.log.events('deny')).toMatchObject([{ cid: third.cid, user: 'carol', connected: 2 }]);
  });

  it('frees the seat of a client that disconnects, and admits the next one on it', async () => {
    const gate = await attach({ capacity: 1 });
    const alice = await connected(gate, 'alice');
    gate.server.disconnect(alice.cid);
    const bob = gate.server.connect('bob');
    expect(await gate.server.answer(bob)).toBe(`client-auth-nt ${bob.cid} ${bob.kid}`);
    expect(gate.seats.tunnels().map((tunnel) => tunnel.user)).toEqual(['bob']);
    expect(gate.log.events('release')).toMatchObject([{ cid: alice.cid, user: 'alice', connected: 0 }]);
  });

  it('keeps an admitted tunnel’s seat through renegotiation', async () => {
    const gate = await attach({ capacity: 1 });
    const alice = await connected(gate, 'alice');
    const again = gate.server.reauth(alice.cid);
    expect(await gate.server.answer(again)).toBe(`client-auth-nt ${alice.cid} ${again.kid}`);
    expect(gate.seats.connected).toBe(1);
  });

  it('gives the seat of an identity that connects again to its new session, and refuses the old one’s renegotiation', async () => {
    const gate = await attach({ capacity: 1 });
    const old = await connected(gate, 'alice');
    const renewed = gate.server.connect('alice');
    expect(await gate.server.answer(renewed)).toBe(`client-auth-nt ${renewed.cid} ${renewed.kid}`);
    // The old session renegotiates before OpenVPN's drop reaches it.
    const reauth = gate.server.reauth(old.cid);
    expect(await gate.server.answer(reauth)).toBe(
      `client-deny ${old.cid} ${reauth.kid} "seatkeeper: session replaced by a new session of the same identity" "Replaced by a new connection of the same user"`,
    );
    gate.server.establish(renewed.cid);
    expect(gate.seats.tunnels().map((tunnel) => tunnel.id)).toEqual([`cid-${renewed.cid}`]);
    expect(gate.log.events('reauth_refused')).toMatchObject([{ cid: old.cid }]);
  });

  it('refuses the renegotiation of a tunnel the pool ordered off', async () => {
    const gate = await attach({ capacity: 2 });
    const alice = await connected(gate, 'alice');
    gate.seats.release(`cid-${alice.cid}`);
    gate.gatekeeper.disconnect([`cid-${alice.cid}`]);
    expect(await gate.server.command(/^client-kill/)).toBe(
      `client-kill ${alice.cid} "HALT,${LIMIT_EXCEEDED_MESSAGE}"`,
    );
    const reauth = gate.server.reauth(alice.cid);
    expect(await gate.server.answer(reauth)).toMatch(new RegExp(`^client-deny ${alice.cid} ${reauth.kid} `));
    expect(gate.seats.connected).toBe(0);
  });

  it('drops the decision of a client that leaves while the pool is asked for more, and decides the next one', async () => {
    const gate = await attach({ capacity: 1 });
    const alice = await connected(gate, 'alice');
    let grow: (more: boolean) => void = () => {};
    const asked = new Promise<void>((topUpAsked) => {
      gate.seats.topUp = () => {
        topUpAsked();
        return new Promise((done) => {
          grow = done;
        });
      };
    });
    const bob = gate.server.connect('bob');
    await asked;
    gate.server.disconnect(bob.cid);
    // Events are read in order: once alice's renegotiation is answered, bob's DISCONNECT was read.
    await gate.server.answer(gate.server.reauth(alice.cid));
    gate.seats.capacity = 2;
    grow(true);
    gate.seats.topUp = async () => false;
    const carol = gate.server.connect('carol');
    expect(await gate.server.answer(carol)).toBe(`client-auth-nt ${carol.cid} ${carol.kid}`);
    expect(gate.server.commands.filter((command) => command.includes(` ${bob.cid} `))).toEqual([]);
    expect(gate.seats.tunnels().map((tunnel) => tunnel.user)).toEqual(['alice', 'carol']);
  });

  describe('one identity connecting again while the count is checked against the server’s list', () => {
    it('counts one seat when the list was on its way as the identity connected again, with no duplicate-cn warning, and refuses the old session’s renegotiation', async () => {
      const gate = await attach({ capacity: 3, gatekeeper: { resyncIntervalMs: 5 } });
      const old = await connected(gate, 'alice');
      const hold = gate.server.holdStatus();
      await hold.taken;
      const renewed = gate.server.connect('alice');
      expect(await gate.server.answer(renewed)).toBe(`client-auth-nt ${renewed.cid} ${renewed.kid}`);
      // OpenVPN reaches the command now: it lists the old session up and the new one still waiting.
      const from = gate.server.commands.length;
      hold.release();
      await gate.server.command(/^status 3$/, from);
      expect(gate.seats.tunnels().map((tunnel) => tunnel.id)).toEqual([`cid-${renewed.cid}`]);
      expect(gate.log.events('duplicate_cn')).toEqual([]);
      const reauth = gate.server.reauth(old.cid);
      expect(await gate.server.answer(reauth)).toMatch(new RegExp(`^client-deny ${old.cid} ${reauth.kid} `));
      gate.server.establish(renewed.cid);
      await resynced(gate);
      expect(gate.seats.tunnels().map((tunnel) => tunnel.id)).toEqual([`cid-${renewed.cid}`]);
      expect(gate.log.events('duplicate_cn')).toEqual([]);
    });

    it('does not count the old session again from a list made before the new one completed its connection', async () => {
      const gate = await attach({ capacity: 3, gatekeeper: { resyncIntervalMs: 5 } });
      await connected(gate, 'alice');
      const renewed = gate.server.connect('alice');
      expect(await gate.server.answer(renewed)).toBe(`client-auth-nt ${renewed.cid} ${renewed.kid}`);
      // OpenVPN drops the old session only when the new one completes its connection.
      await resynced(gate);
      expect(gate.seats.tunnels().map((tunnel) => tunnel.id)).toEqual([`cid-${renewed.cid}`]);
      expect(gate.log.events('duplicate_cn')).toEqual([]);
    });

    it('warns of duplicate-cn and counts both sessions when the server keeps the old one after the new one is up', async () => {
      const gate = await attach({
        capacity: 3,
        server: { duplicateCn: true },
        gatekeeper: { resyncIntervalMs: 5 },
      });
      const old = await connected(gate, 'alice');
      const renewed = await connected(gate, 'alice');
      await resynced(gate);
      expect(gate.log.events('duplicate_cn')).toMatchObject([{ cid: old.cid, user: 'alice' }]);
      expect(
        gate.seats
          .tunnels()
          .map((tunnel) => tunnel.id)
          .sort(),
      ).toEqual([`cid-${old.cid}`, `cid-${renewed.cid}`]);
    });

    it('does not count the old session while a second new one is still connecting after the first left', async () => {
      const gate = await attach({ capacity: 3, gatekeeper: { resyncIntervalMs: 5 } });
      await connected(gate, 'alice');
      const first = gate.server.connect('alice');
      await gate.server.answer(first);
      const second = gate.server.connect('alice');
      await gate.server.answer(second);
      gate.server.disconnect(first.cid);
      await resynced(gate);
      expect(gate.seats.tunnels().map((tunnel) => tunnel.id)).toEqual([`cid-${second.cid}`]);
    });

    it('keeps counting the old session when the new one leaves before completing its connection', async () => {
      const gate = await attach({ capacity: 3, gatekeeper: { resyncIntervalMs: 5 } });
      const old = await connected(gate, 'alice');
      const renewed = gate.server.connect('alice');
      await gate.server.answer(renewed);
      gate.server.disconnect(renewed.cid);
      await resynced(gate);
      expect(gate.seats.tunnels().map((tunnel) => tunnel.id)).toEqual([`cid-${old.cid}`]);
      expect(gate.log.events('duplicate_cn')).toEqual([]);
      const reauth = gate.server.reauth(old.cid);
      expect(await gate.server.answer(reauth)).toBe(`client-auth-nt ${old.cid} ${reauth.kid}`);
    });
  });

  it('sends the password, lets a held server go on, counts the tunnels up and restarts a connection that asked while no agent listened', async () => {
    const server = await FakeOpenvpn.start({ password: 'correct horse', hold: true });
    const up = server.connect('alice');
    server.establish(up.cid);
    const unheard = server.connect('bob');
    const gate = await attach({ server, gatekeeper: { password: 'correct horse', stalledAfterMs: 1 } });
    expect(server.commands.slice(0, 3)).toEqual(['hold release', 'pid', 'status 3']);
    expect(gate.seats.tunnels()).toMatchObject([{ id: `cid-${up.cid}`, user: 'alice' }]);
    expect(await server.command(/^client-kill/)).toBe(`client-kill ${unheard.cid}`);
    expect(gate.log.events('restart_stalled')).toMatchObject([{ restarted: 1 }]);
  });
});
