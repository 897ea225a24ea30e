import { join } from 'node:path';
import { GatewayAgent } from '../src/agent/gateway/gateway-agent.js';
import { readVendorKey } from '../src/agent/installation.js';
import { systemClock } from '../src/domain/clock.js';
import { GATEWAY_POLICY } from '../src/domain/seats.js';
import { unwrap } from '../src/service/http/problem.js';
import { prepareGateways } from '../test/support/gateway-setup.js';
import { startService } from '../test/support/service-process.js';
import { cpuSeconds } from './fleet.js';
import { progress, withTempDir } from './support.js';
import { type DriveOptions, type DriveReport, drive, Ledger, workload } from './workload.js';

/**
 * `npm run fleet -- --gateway`: EnGenius/SecuPoint gateways sharing one license of 150 users in
 * lease mode, each a real GatewayAgent enrolled with a real service over HTTP, doing the workload's
 * connects and disconnects. What the license limits is the tunnels beyond each gateway's own 2
 * built-in seats (which always add, shared or not): their sum may never exceed the license's users.
 */
export interface GatewayFleetOptions extends Omit<DriveOptions, 'servers' | 'seats'> {
  gateways: number;
  events: number;
  seed: number;
  /** PostgreSQL instead of the embedded SQLite store. */
  databaseUrl?: string | undefined;
}

/** The model a shared license has: more than 100 users, shareable by up to 3 gateways. */
export const SHARED_SKU = 'SPC-1YR-150-LIC';
export const SHARED_USERS = 150;

export const DEFAULT_GATEWAY_FLEET: GatewayFleetOptions = {
  gateways: 3,
  events: 20_000,
  concurrency: 2,
  batch: 50,
  rate: 0,
  seed: 7,
};

export interface GatewayFleetReport extends Omit<DriveReport, 'ms'> {
  mode: 'gateway-lease';
  gateways: number;
  users: number;
  builtInEach: number;
  events: number;
  /** The largest sum of the gateways' tunnels seen (at most users + their built-in seats). */
  maxTunnels: number;
  /** The largest sum, over the gateways, of their tunnels beyond their built-in seats: what the license gives. */
  maxLicensedTunnels: number;
  /** Times that sum went above the license's users: must be 0. */
  overLicense: number;
  statements: number;
  serviceCpuSeconds: number;
  durationMs: number;
}

/** The gateways' tunnels, one count each, and the largest sums seen at every instant a tunnel came up. */
class PoolWatch {
  readonly #counts: number[];
  readonly #builtIn: number;
  readonly #users: number;
  maxTunnels = 0;
  maxLicensed = 0;
  over = 0;

  constructor(gateways: number, builtIn: number, users: number) {
    this.#counts = new Array<number>(gateways).fill(0);
    this.#builtIn = builtIn;
    this.#users = users;
  }

  up(gateway: number): void {
    this.#counts[gateway] = (this.#counts[gateway] ?? 0) + 1;
    let tunnels = 0;
    let licensed = 0;
    for (const count of this.#counts) {
      tunnels += count;
      licensed += Math.max(0, count - this.#builtIn);
    }
    this.maxTunnels = Math.max(this.maxTunnels, tunnels);
    this.maxLicensed = Math.max(this.maxLicensed, licensed);
    if (licensed > this.#users) this.over++;
  }

  down(gateway: number): void {
    this.#counts[gateway] = (this.#counts[gateway] ?? 0) - 1;
  }
}

/** What the gatekeeper does with a connecting client: admit; refused, ask the pool at once and try again. */
function admitAsGatekeeper(gateway: GatewayAgent, tunnel: string): boolean | Promise<boolean> {
  if (gateway.admit({ id: tunnel }).admitted) return true;
  return gateway
    .topUp()
    .catch(() => false)
    .then((more) => more && gateway.admit({ id: tunnel }).admitted);
}

export async function runGatewayFleet(options: GatewayFleetOptions): Promise<GatewayFleetReport> {
  if (options.gateways < 1 || options.gateways > 3)
    throw new Error(`a license is shared by up to 3 gateways; got ${options.gateways}`);
  return withTempDir('seatkeeper-gateway-fleet-', async (dir) => {
    const dataDir = join(dir, 'data');
    const others = Array.from({ length: options.gateways - 1 }, (_, i) => i + 1);
    const { databaseUrl } = options;
    const prepared = await prepareGateways(
      { dataDir, databaseUrl },
      { devices: options.gateways, licenses: [{ sku: SHARED_SKU, device: 0, sharedWith: others }] },
    );
    const service = await startService({ dataDir, databaseUrl, args: ['--log-level', 'warn'] });
    const vendorKey = unwrap(readVendorKey(service.vendorKeyFile));
    const stops: (() => void)[] = [];
    let statements = 0;
    // Every statement asked for, in turn or not (a top-up, seats given back).
    const counted: typeof fetch = (input, init) => {
      if (String(input).endsWith('/v1/gateways/statement')) statements++;
      return fetch(input, init);
    };
    try {
      const gateways: GatewayAgent[] = [];
      for (const [i, code] of prepared.codes.entries()) {
        const gateway = new GatewayAgent({
          stateDir: join(dir, `gateway-${i}`),
          clock: systemClock,
          vendorKeys: [vendorKey],
          fetch: counted,
        });
        unwrap(await gateway.enroll(code, service.url));
        gateways.push(gateway);
        // As `agent run` does: a statement at every interval the service names.
        stops.push(gateway.startRefreshes());
      }
      const builtIn = GATEWAY_POLICY.builtInSeats;
      const seats = SHARED_USERS + builtIn * options.gateways;
      const watch = new PoolWatch(options.gateways, builtIn, SHARED_USERS);
      const ledger = new Ledger(options.gateways, seats);
      progress(
        `gateway fleet: ${options.gateways} gateways x ${options.concurrency} sharing ${SHARED_USERS} users, ${options.events} events`,
      );
      const cpuBefore = cpuSeconds(service.child.pid);
      const driveOptions = { ...options, servers: options.gateways, seats };
      const counters = await drive(workload(driveOptions), driveOptions, ledger, {
        connect: (index, tunnel) => {
          const gateway = gateways[index] as GatewayAgent;
          const answer = admitAsGatekeeper(gateway, tunnel);
          if (answer === true) watch.up(index);
          if (typeof answer === 'boolean') return answer;
          return answer.then((admitted) => {
            if (admitted) watch.up(index);
            return admitted;
          });
        },
        disconnect: (index, tunnel) => {
          // Down before the gateway hears of it, as the ledger counts it.
          watch.down(index);
          gateways[index]?.release(tunnel);
        },
      });
      const cpu = cpuSeconds(service.child.pid) - cpuBefore;
      return {
        mode: 'gateway-lease',
        gateways: options.gateways,
        users: SHARED_USERS,
        builtInEach: builtIn,
        events: options.events,
        ...counters,
        maxTunnels: watch.maxTunnels,
        maxLicensedTunnels: watch.maxLicensed,
        overLicense: watch.over,
        statements,
        serviceCpuSeconds: cpu,
        durationMs: Math.round(counters.ms),
      };
    } finally {
      for (const stop of stops) stop();
      await service.stop();
    }
  });
}
