import { describe, expect, it } from 'vitest';
import { type DriveOptions, drive, type Gate, Ledger, workload } from '../../bench/workload.js';

const OPTIONS: DriveOptions = { servers: 3, seats: 10, concurrency: 2, batch: 7, rate: 0 };
const EVENTS = workload({ servers: OPTIONS.servers, events: 2000, seed: 11 });
const CONNECTS = EVENTS.filter((event) => event.connect).length;

/** A gate over one exact counter, as a central semaphore would be. */
function counterGate(limit: number): Gate & { used: () => number } {
  let used = 0;
  return {
    connect: () => {
      if (used >= limit) return false;
      used++;
      return true;
    },
    disconnect: () => {
      used--;
    },
    used: () => used,
  };
}

const run = (gate: Gate) => drive(EVENTS, OPTIONS, new Ledger(OPTIONS.servers, OPTIONS.seats), gate);

describe("the fleet benchmarks' harness", () => {
  it('finds no false denial and no over-admission in an exact gate', async () => {
    const report = await run(counterGate(OPTIONS.seats));
    expect(report.admitted + report.denied).toBe(CONNECTS);
    expect(report.denied).toBeGreaterThan(0);
    expect([report.falseDenials, report.overAdmittedEvents, report.maxOverAdmitted]).toEqual([0, 0, 0]);
  });

  it('counts every admission beyond the seats, and the largest excess', async () => {
    const gate = counterGate(OPTIONS.seats + 3);
    let most = 0;
    const report = await run({
      connect: (server, tunnel) => {
        const admitted = gate.connect(server, tunnel);
        most = Math.max(most, gate.used());
        return admitted;
      },
      disconnect: gate.disconnect,
    });
    expect(report.overAdmittedEvents).toBeGreaterThan(0);
    expect(report.maxOverAdmitted).toBe(most - OPTIONS.seats);
  });

  it('counts a refusal while seats were free as a false denial, whether answered at once or later', async () => {
    const now = await run({ connect: () => false, disconnect: () => {} });
    const later = await run({ connect: async () => false, disconnect: async () => {} });
    for (const report of [now, later]) {
      expect(report.admitted).toBe(0);
      expect(report.falseDenials).toBe(CONNECTS);
      expect(report.falseDenialsWhileReleasing).toBe(0);
    }
    expect([now.waited, later.waited]).toEqual([0, CONNECTS]);
  });
});
