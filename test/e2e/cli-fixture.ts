import { resolve } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { tempDir } from '../support/engines.js';
import {
  customerWithKey,
  installAgent,
  type ServiceProcess,
  seatkeeper,
  startService,
} from '../support/service-process.js';

/** A license key as the commands print it on a line of its own. */
export const KEY_LINE = /^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$/;

/**
 * One real service process for a file of command tests, started before its tests and stopped after
 * them, with this host installed as a VPN server with the service's vendor key. Call it in a describe.
 */
export function serviceForCommands() {
  const dir = tempDir();
  const data = resolve(dir.path, 'data');
  // Filled in before the tests run, so that they read both as plain values.
  const service = {} as ServiceProcess;
  /** This host as a VPN server installed with the service's vendor key. */
  const agentEnv: NodeJS.ProcessEnv = {};
  beforeAll(async () => {
    Object.assign(service, await startService({ dataDir: data }));
    Object.assign(agentEnv, installAgent(resolve(dir.path, 'installed-agent'), service.vendorKeyFile));
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });
  const agentCommand = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    seatkeeper(['agent', ...args], { env: { ...agentEnv, ...env } });
  const freshKey = () => customerWithKey(data);
  return { dir, data, service, agentEnv, agentCommand, freshKey };
}

/** The service for the buying commands, run on its data folder with no staff user named. */
export function serviceForOrders() {
  const world = serviceForCommands();
  const cli = (args: string[]) =>
    seatkeeper([...args, '--data', world.data], { env: { SEATKEEPER_OPERATOR: '' } });
  const json = async <T>(args: string[]): Promise<T> => {
    const outcome = await cli([...args, '--json']);
    expect(outcome.code, outcome.stderr).toBe(0);
    return JSON.parse(outcome.stdout) as T;
  };
  return { ...world, cli, json };
}
