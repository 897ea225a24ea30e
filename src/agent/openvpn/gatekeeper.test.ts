import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { FakeOpenvpn, type FakeOpenvpnOptions, type SentEvent } from '../../../test/support/fake-openvpn.js';
import { LIMIT_EXCEEDED_MESSAGE } from '../../domain/errors.js';
import { Admission } from '../admission.js';
import { type Admitter, Gatekeeper, type GatekeeperOptions } from './gatekeeper.js';

/** The agent's seats, as the gatekeeper sees them: a fixed capacity and no pool to grow from. */
class Seats extends Admission implements Admitter {
  readonly capacity: number;

  constructor(capacity: number) {
    const clock = new ManualClock();
    super(
      () => capacity,
      () => clock.now(),
    );
    this.capacity = capacity;
  }

  async topUp(): Promise<boolean> {
    return false;
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
