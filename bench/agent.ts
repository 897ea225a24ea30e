import { Admission, type AdmitOutcome, type TunnelInfo } from '../src/agent/admission.js';
import { Agent } from '../src/agent/agent.js';
import type { Clock } from '../src/domain/clock.js';
import { machine } from '../test/support/factories.js';
import { measure, withTempDir } from './support.js';

const FIXED_NOW = new Date('2026-01-01T00:00:00.000Z');
const fixedClock: Clock = { now: () => FIXED_NOW };

const CAPACITY = 1000;
const PREFILLED = 500;
/** Tunnel ids the timed loop cycles through; a power of two so `i & (ROTATION - 1)` picks one. */
const ROTATION = 256;

interface Gate {
  admit(tunnel: TunnelInfo): AdmitOutcome;
  release(id: string): boolean;
}

/** One admit+release pair; a refusal would mean the figure measures the wrong path. */
function cycle(gate: Gate, tunnel: TunnelInfo): void {
  if (!gate.admit(tunnel).admitted || !gate.release(tunnel.id))
    throw new Error(`tunnel ${tunnel.id} refused`);
}

/** The bare in-memory admission, half full, with a constant capacity. */
export function benchAdmission(): void {
  const admission = new Admission(() => CAPACITY, fixedClock.now);
  for (let i = 0; i < PREFILLED; i++) admission.admit({ id: `held-${i}` });
  const tunnels = Array.from({ length: ROTATION }, (_, i) => ({ id: `tun-${i}`, user: `user-${i}` }));
  measure(
    'agent_admit_release_per_second',
    (i) => cycle(admission, tunnels[i & (ROTATION - 1)] as TunnelInfo),
    {
      capacity: CAPACITY,
      connected: PREFILLED,
    },
  );
}

/** The real Agent without licenses (the built-in seats), so admission goes through its capacity cache. */
export async function benchAgent(): Promise<void> {
  await withTempDir('seatkeeper-bench-agent-', (stateDir) => {
    const agent = new Agent({ stateDir, clock: fixedClock, machine: machine('bench') });
    const tunnel = { id: 'tun-1', user: 'user-1' };
    measure('agent_admit_release_full_agent_per_second', () => cycle(agent, tunnel), {
      capacity: agent.capacity().seats,
      connected: 0,
    });
  });
}
