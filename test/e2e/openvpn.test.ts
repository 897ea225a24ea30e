import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LiveUsage } from '../../src/agent/state-files.js';
import type { AccountCreated } from '../../src/contract/accounts.js';
import type { License } from '../../src/contract/licenses.js';
import type { Subscription } from '../../src/contract/subscriptions.js';
import { tempDir } from '../support/engines.js';
import { bootstrapStaff, type Call, client } from '../support/http.js';
import {
  CONNECTED,
  DENIED,
  OpenvpnLab,
  openvpnUnavailable,
  SERVER_LISTENING,
  type WatchedProcess,
} from '../support/openvpn.js';
import { installAgent, type ServiceProcess, seatkeeper, startService } from '../support/service-process.js';

/**
 * The agent deciding for real OpenVPN servers: real servers and clients on 127.0.0.1, the real
 * `seatkeeper agent run` on their management interfaces and a real license service.
 */
const unavailable = openvpnUnavailable();
if (unavailable !== undefined) console.warn(`skipping the OpenVPN end-to-end tests: ${unavailable}`);

const HALTED = /Halt command was pushed by server \('Licensed amount of concurrent connections exceeded'\)/;
/** What `agent usage --json` prints: the usage a running agent publishes. */
type PrintedUsage = LiveUsage['usage'];

/** This host as a VPN server, installed with the test service's vendor key. */
let agentEnv: NodeJS.ProcessEnv = {};

async function cli(...args: string[]): Promise<string> {
  const outcome = await seatkeeper(args, { env: agentEnv });
  if (outcome.code !== 0)
    throw new Error(`seatkeeper ${args.join(' ')} exited with ${outcome.code}: ${outcome.stderr}`);
  return outcome.stdout;
}

const usageOf = async (stateDir: string): Promise<PrintedUsage> =>
  JSON.parse(await cli('agent', 'usage', '--json', '--state', stateDir)) as PrintedUsage;

/** Polls until `check` holds; fails with the last value seen. */
async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > until)
      throw new Error(`condition not met in ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resume) => setTimeout(resume, 200));
  }
}

/** Waits until every agent has had `count` more answers from its pool: what the pool orders is known by then. */
async function afterAnswers(states: string[], count: number): Promise<void> {
  const answeredAt = async () =>
    (await Promise.all(states.map(usageOf))).map((usage) => usage.subscription?.lastAnswerAt ?? null);
  for (let round = 0; round < count; round++) {
    const before = await answeredAt();
    await eventually(answeredAt, (now) => now.every((at, i) => at !== null && at !== before[i]), 60_000);
  }
}

const connectedOf = (stateDir: string, count: number) =>
  eventually(
    () => usageOf(stateDir),
    (usage) => usage.connected === count,
  );

describe('OpenVPN must run where it is required', () => {
  it.runIf(process.env.SEATKEEPER_REQUIRE_OPENVPN === '1' && unavailable !== undefined)(
    'has a tun device, root and openvpn',
    () => {
      throw new Error(`SEATKEEPER_REQUIRE_OPENVPN=1 but: ${unavailable}`);
    },
  );
});

describe.skipIf(unavailable !== undefined)('the agent on real OpenVPN servers', { timeout: 120_000 }, () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  const dir = () => {
    const made = tempDir('seatkeeper-ovpn-');
    dirs.push(made);
    return made.path;
  };
  let lab: OpenvpnLab;
  let service: ServiceProcess;
  let call: Call;
  let staff: string;
  let accountId: string;

  beforeAll(async () => {
    [lab, service] = await Promise.all([OpenvpnLab.create(dir()), startService({ dataDir: dir() })]);
    agentEnv = installAgent(dir(), service.vendorKeyFile);
    lab.agentEnv = agentEnv;
    call = client(service.url);
    staff = await bootstrapStaff(service);
    const account = await call<AccountCreated>('POST', '/v1/accounts', {
      token: staff,
      body: { email: 'vpn-admin@example.com' },
    });
    accountId = account.body.account.id;
  });
  afterEach(async () => {
    await lab.stopAll();
  });
  afterAll(async () => {
    await lab?.stopAll();
    await service?.stop();
    for (const made of dirs) made.remove();
  });

  async function connect(name: string, port: number): Promise<WatchedProcess> {
    const vpnClient = await lab.client(name, port);
    await vpnClient.waitFor(CONNECTED);
    return vpnClient;
  }

  async function denied(name: string, port: number): Promise<WatchedProcess> {
    const vpnClient = await lab.client(name, port);
    await vpnClient.waitFor(DENIED);
    await vpnClient.exited;
    return vpnClient;
  }

  async function keyOf(connections: number): Promise<string> {
    const issued = await call<License>('POST', '/v1/licenses', {
      token: staff,
      body: { accountId, connections },
    });
    expect(issued.status).toBe(201);
    return issued.body.key;
  }

  /** Two servers, each with its agent, sharing one new subscription of 3 connections. */
  async function twoServersSharing(mode: 'reconcile' | 'lease', agentArgs: string[] = []) {
    const created = await call<Subscription>('POST', '/v1/subscriptions', {
      token: staff,
      body: { accountId, connections: 3, period: 'monthly', mode, heartbeatIntervalMs: 4_000 },
    });
    expect(created.status).toBe(201);
    const [a, b] = [await lab.server(), await lab.server()];
    const states = [dir(), dir()];
    for (const state of states)
      await cli('agent', 'subscribe', created.body.key, '--service', service.url, '--state', state);
    await Promise.all([
      lab.agent(states[0] as string, a.management, agentArgs),
      lab.agent(states[1] as string, b.management, agentArgs),
    ]);
    return { a, b, states };
  }

  it('1. with no key, admits the 2 built-in connections and denies the third with the seeds’ message', async () => {
    const server = await lab.server();
    const state = dir();
    const agent = await lab.agent(state, server.management);
    await connect('one-a', server.port);
    await connect('one-b', server.port);
    const third = await denied('one-c', server.port);
    expect(third.log).toContain('AUTH_FAILED,Licensed amount of concurrent connections exceeded');
    const usage = await usageOf(state);
    expect(usage).toMatchObject({ connected: 2, licensed: 2 });
    expect(usage.tunnels.map((tunnel) => tunnel.user).sort()).toEqual(['one-a', 'one-b']);
    expect(usage.tunnels.every((tunnel) => /^127\.0\.0\.1:\d+$/.test(tunnel.address ?? ''))).toBe(true);
    expect(agent.log).toMatch(/"event":"deny".*"user":"one-c"/);
    expect(server.process.log).toContain('Licensed amount of concurrent connections exceeded');
  });

  it('2. with a 3-connection key, denies the fourth and admits a new client once one exits', async () => {
    const server = await lab.server();
    const state = dir();
    await lab.agent(state, server.management);
    // Activated while the agent runs: the command tells it, and it counts the key at once.
    await cli('agent', 'activate', await keyOf(3), '--service', service.url, '--state', state);
    await eventually(
      () => usageOf(state),
      (usage) => usage.licensed === 3,
    );
    const clients = [];
    for (const name of ['two-a', 'two-b', 'two-c']) clients.push(await connect(name, server.port));
    await denied('two-d', server.port);
    await clients[0]?.kill('SIGTERM');
    await connectedOf(state, 2);
    await connect('two-e', server.port);
    expect(await usageOf(state)).toMatchObject({ connected: 3, licensed: 3 });
  });

  it('3. reconcile: a subscription of 3 on two servers halts the client that connected last', async () => {
    // The count is checked against the server's list every second: a halted client still listed
    // for the seconds before its DISCONNECT must not be counted again.
    const { a, b, states } = await twoServersSharing('reconcile', ['--resync-interval', '1s']);
    // Both agents admit before either hears of the other's tunnels: the pool goes over by one.
    const up = [
      await connect('three-a1', a.port),
      await connect('three-a2', a.port),
      await connect('three-b1', b.port),
    ];
    const last = await connect('three-b2', b.port);
    await last.waitFor(HALTED, 30_000);
    await last.exited;
    const usages = await eventually(
      () => Promise.all(states.map(usageOf)),
      (both) => both[0]?.connected === 2 && both[1]?.connected === 1,
    );
    expect(usages.map((usage) => usage.connected)).toEqual([2, 1]);
    // Two more answers of the pool to each server: nobody else is ordered off.
    await afterAnswers(states, 2);
    expect((await Promise.all(states.map(usageOf))).map((usage) => usage.connected)).toEqual([2, 1]);
    for (const vpnClient of up) {
      expect(vpnClient.running).toBe(true);
      expect(vpnClient.log).not.toMatch(HALTED);
    }
  });

  it('4. lease: the fourth connection is denied wherever it arrives, and no tunnel up is dropped', async () => {
    const { a, b, states } = await twoServersSharing('lease');
    const up = [
      await connect('four-a1', a.port),
      await connect('four-a2', a.port),
      await connect('four-b1', b.port),
    ];
    await denied('four-a3', a.port);
    await denied('four-b2', b.port);
    // Two more answers of the pool to each server: the lease is renewed, and nobody is ordered off.
    await afterAnswers(states, 2);
    await denied('four-b3', b.port);
    for (const vpnClient of up) {
      expect(vpnClient.running).toBe(true);
      expect(vpnClient.log).not.toMatch(/Halt command|SIGUSR1/);
    }
    const usages = await Promise.all(states.map(usageOf));
    expect(usages.map((usage) => usage.connected)).toEqual([2, 1]);
  });

  it('5. an agent restarted with 3 tunnels up keeps them up and counts them', async () => {
    const server = await lab.server();
    const state = dir();
    await cli('agent', 'activate', await keyOf(3), '--service', service.url, '--state', state);
    const agent = await lab.agent(state, server.management);
    const up = [];
    for (const name of ['five-a', 'five-b', 'five-c']) up.push(await connect(name, server.port));
    await agent.kill('SIGTERM');
    // A connection made while no agent listens waits; OpenVPN does not replay it to the next agent.
    const waiting = await lab.client('five-d', server.port);
    await server.process.waitFor(/five-d.*(Peer Connection Initiated|TLS: Initial packet)/);
    const restarted = await lab.agent(state, server.management);
    expect(restarted.log).toMatch(/"event":"resync","adopted":3/);
    await restarted.waitFor(/"event":"restart_stalled","restarted":1/);
    expect((await usageOf(state)).connected).toBe(3);
    // The waiting connection is restarted so that it asks again, and is denied: 3 of 3 are in use.
    await waiting.waitFor(DENIED);
    for (const vpnClient of up) {
      expect(vpnClient.running).toBe(true);
      expect(vpnClient.log).not.toMatch(/SIGUSR1|Halt command/);
    }
    await up[0]?.kill('SIGKILL');
    await connectedOf(state, 2);
    await connect('five-e', server.port);
    expect((await usageOf(state)).connected).toBe(3);
  });

  it('6. a TCP client killed with SIGKILL frees its seat for a new client', async () => {
    const server = await lab.server();
    const state = dir();
    await lab.agent(state, server.management);
    await connect('six-a', server.port);
    const killed = await connect('six-b', server.port);
    await denied('six-c', server.port);
    await killed.kill('SIGKILL');
    await connectedOf(state, 1);
    await connect('six-d', server.port);
    const usage = await usageOf(state);
    expect(usage.tunnels.map((tunnel) => tunnel.user).sort()).toEqual(['six-a', 'six-d']);
  });

  it('keeps one seat for an identity that connects again, and admitted tunnels through renegotiation', async () => {
    // Renegotiation every 10 s. OpenVPN waits for the agent's answer to a renegotiation for
    // min(hand-window, reneg-sec / 2), here 5 s, then refuses the tunnel: an unanswered
    // renegotiation would drop it. (With reneg-sec 2 the agent had 1 s, too little on a busy host.)
    const server = await lab.server({ args: ['--reneg-sec', '10', '--hand-window', '10'] });
    const state = dir();
    const agent = await lab.agent(state, server.management);
    const first = await connect('same', server.port);
    const other = await connect('other', server.port);
    const again = await connect('same', server.port);
    // The old session is gone at OpenVPN's order; stop its client before it retries.
    await first.kill('SIGKILL');
    expect(agent.log).toMatch(/"event":"replace"/);
    // Each tunnel up renegotiates, and the agent answers its renegotiation (clients 1 and 2).
    for (const [name, cid] of [
      ['other', 1],
      ['same', 2],
    ] as const)
      await server.process.waitFor(
        new RegExp(`${name}/[^\\n]* TLS: soft reset[\\s\\S]*MANAGEMENT: CMD 'client-auth-nt ${cid} \\d+'`),
        60_000,
      );
    const logs = `agent log:\n${agent.log}\nserver log:\n${server.process.log}`;
    expect(server.process.log, logs).not.toMatch(/AUTH_FAILED/);
    expect(again.running).toBe(true);
    expect(again.log, logs).not.toMatch(/SIGUSR1|AUTH_FAILED/);
    expect(other.log, logs).not.toMatch(/SIGUSR1|AUTH_FAILED/);
    const usage = await usageOf(state);
    expect(usage.connected, logs).toBe(2);
    expect(usage.tunnels.map((tunnel) => tunnel.user).sort()).toEqual(['other', 'same']);
    await denied('third', server.port);
  });

  it('attaches through a unix socket with a password, and again after the server restarts', async () => {
    const work = dir();
    const passwordFile = `${work}/management-password`;
    writeFileSync(passwordFile, 'correct horse\n', { mode: 0o600 });
    const wrongFile = `${work}/wrong-password`;
    writeFileSync(wrongFile, 'battery staple\n', { mode: 0o600 });
    const management = { socket: `${work}/management.sock`, passwordFile };
    const first = await lab.server({ management });
    const refused = lab.startAgent(dir(), management.socket, ['--management-password-file', wrongFile]);
    await refused.waitFor(/"event":"management_unavailable".*refused the password/);
    await refused.kill();
    const state = dir();
    const agent = await lab.agent(state, management.socket, ['--management-password-file', passwordFile]);
    const up = [await connect('unix-a', first.port), await connect('unix-b', first.port)];
    await first.process.kill('SIGTERM');
    await agent.waitFor(/"event":"detached"/);
    // The clients keep retrying; the restarted server asks the agent, which attaches again.
    const second = await lab.server({ management, port: first.port });
    for (const vpnClient of up)
      await vpnClient.waitFor(
        /Initialization Sequence Completed[\s\S]*Initialization Sequence Completed/,
        30_000,
      );
    expect(agent.log.match(/"event":"ready"/g)?.length).toBeGreaterThanOrEqual(2);
    expect(agent.log).toMatch(/"event":"server_restarted"/);
    const usage = await connectedOf(state, 2);
    expect(usage.tunnels.map((tunnel) => tunnel.user).sort()).toEqual(['unix-a', 'unix-b']);
    await denied('unix-c', second.port);
  });

  it('lets a server started with management-hold go on, and decides its connections', async () => {
    const server = await lab.server({ hold: true });
    // Held: it takes no connections until a management client releases it.
    expect(server.process.log).not.toMatch(SERVER_LISTENING);
    await lab.agent(dir(), server.management);
    await server.process.waitFor(SERVER_LISTENING);
    await connect('held-a', server.port);
    await connect('held-b', server.port);
    await denied('held-c', server.port);
  });

  it('with --duplicate-cn, counts every session of one common name', async () => {
    const server = await lab.server({ args: ['--duplicate-cn'] });
    const state = dir();
    await lab.agent(state, server.management, ['--duplicate-cn']);
    await connect('shared', server.port);
    await connect('shared', server.port);
    await denied('shared', server.port);
    const usage = await usageOf(state);
    expect(usage.connected).toBe(2);
    expect(usage.tunnels.map((tunnel) => tunnel.user)).toEqual(['shared', 'shared']);
  });
});
