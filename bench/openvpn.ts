import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Agent } from '../src/agent/agent.js';
import { Gatekeeper } from '../src/agent/openvpn/gatekeeper.js';
import { ManagementConnection } from '../src/agent/openvpn/management-connection.js';
import { commands } from '../src/agent/openvpn/protocol.js';
import { systemClock } from '../src/domain/clock.js';
import { machine } from '../test/support/factories.js';
import { CONNECTED, OpenvpnLab, openvpnUnavailable } from '../test/support/openvpn.js';
import { emit, percentile, progress, round, withTempDir } from './support.js';

const CLIENTS = 50;
const ROUNDS = 3;

/** What decides the connections of one server during a round; `stop` ends it. */
type Decider = (management: number) => Promise<{ stop: () => Promise<void> }>;

/** The milliseconds from each client's start to its tunnel up, `CLIENTS` starting at once. */
async function connectAll(lab: OpenvpnLab, port: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const started = performance.now();
      const vpnClient = await lab.client(`bench${i}`, port);
      await vpnClient.waitFor(CONNECTED, 60_000);
      return performance.now() - started;
    }),
  );
}

/** `ROUNDS` rounds on fresh servers; the median of the rounds' medians, and the worst p99. */
async function series(lab: OpenvpnLab, figure: string, decider: Decider | undefined): Promise<number> {
  const medians: number[] = [];
  const p99s: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const server = await lab.server({ managed: decider !== undefined });
    const decision = await decider?.(server.management as number);
    const sorted = (await connectAll(lab, server.port)).sort((a, b) => a - b);
    medians.push(percentile(sorted, 0.5));
    p99s.push(percentile(sorted, 0.99));
    await decision?.stop();
    await lab.stopAll();
  }
  const median = [...medians].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? Number.NaN;
  emit(figure, round(median, 1), 'ms', {
    clients: CLIENTS,
    rounds: ROUNDS,
    round_medians_ms: medians.map((value) => round(value, 1)).join(' '),
    worst_p99_ms: round(Math.max(...p99s), 1),
  });
  return median;
}

/** The peer: admits every connection at once and does nothing else. */
const bareResponder: Decider = async (management) => {
  const connection: ManagementConnection = await ManagementConnection.open(
    { host: '127.0.0.1', port: management },
    undefined,
    (message) => {
      if (message.type === 'client' && message.event.kind === 'CONNECT' && message.event.kid !== undefined)
        void connection.send(commands.authorize(message.event.cid, message.event.kid));
    },
  );
  return { stop: async () => connection.close() };
};

/**
 * A client's connect time on a real OpenVPN server with 50 clients starting at once: with the
 * server admitting on its own, with a bare management client admitting all (what OpenVPN's deferred
 * authorization costs by itself), and with the agent deciding. The agent's own share is the time
 * from an event's last line to its answer written, logging included.
 */
export async function benchOpenvpn(): Promise<void> {
  const unavailable = openvpnUnavailable();
  if (unavailable !== undefined) {
    progress(`skipping the OpenVPN connect figures: ${unavailable}`);
    return;
  }
  await withTempDir('seatkeeper-bench-ovpn-', async (dir) => {
    const lab = await OpenvpnLab.create(dir);
    const decisions: number[] = [];
    let admitted = 0;
    const agentDecides: Decider = async (management) => {
      const stateDir = `${dir}/agent-${management}`;
      const agent = new Agent({
        stateDir,
        clock: systemClock,
        machine: machine('bench-openvpn'),
        policy: { builtInSeats: CLIENTS, builtInAlwaysCounts: true },
      });
      const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
      const gatekeeper = new Gatekeeper(agent, { address: { host: '127.0.0.1', port: management }, logger });
      const running = gatekeeper.run();
      while (!gatekeeper.attached) await new Promise((resume) => setTimeout(resume, 20));
      return {
        stop: async () => {
          decisions.push(...gatekeeper.decisionTimes);
          admitted += agent.usage().connected;
          gatekeeper.stop();
          await running;
        },
      };
    };
    try {
      progress(`making ${CLIENTS} client certificates`);
      await Promise.all(Array.from({ length: CLIENTS }, (_, i) => lab.pki.client(`bench${i}`)));
      progress(`${ROUNDS} rounds of ${CLIENTS} clients at once: no management, bare responder, agent`);
      const without = await series(lab, 'openvpn_connect_ms_without_management', undefined);
      const bare = await series(lab, 'openvpn_connect_ms_with_bare_responder', bareResponder);
      const withAgent = await series(lab, 'openvpn_connect_ms_with_agent', agentDecides);
      const sorted = decisions.sort((a, b) => a - b);
      emit('agent_decision_ms', round(percentile(sorted, 0.5), 3), 'ms', {
        decisions: sorted.length,
        admitted,
        mean_ms: round(sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length, 3),
        p99_ms: round(percentile(sorted, 0.99), 3),
        max_ms: round(sorted.at(-1) ?? Number.NaN, 3),
        connect_over_bare_responder_ms: round(withAgent - bare, 1),
        connect_over_no_management_ms: round(withAgent - without, 1),
      });
    } finally {
      await lab.stopAll();
    }
  });
}
