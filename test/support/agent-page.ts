import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { type LicensePage, startLicensePage } from '../../src/agent/page/server.js';
import type { Clock } from '../../src/domain/clock.js';
import { tempDir } from './engines.js';
import { accountWithKey, machine, vendorKeyOf } from './factories.js';
import { type InProcessService, startInProcessService } from './in-process-service.js';
import { FormClient } from './web.js';

/** A real agent (its own state directory, trusting the service's vendor key) and its page on 127.0.0.1. */
export interface AgentWithPage {
  agent: Agent;
  stateDir: string;
  page: LicensePage;
  /** How many times the page told the agent that something changed. */
  changes: () => number;
  close: () => Promise<void>;
}

export async function agentWithPage(
  service: InProcessService,
  clock: Clock,
  options: { password?: string; seed?: string } = {},
): Promise<AgentWithPage> {
  const state = tempDir('seatkeeper-agent-page-');
  const agent = new Agent({
    stateDir: state.path,
    clock,
    machine: machine(options.seed ?? 'page'),
    vendorKeys: [vendorKeyOf(service.ctx)],
  });
  let changes = 0;
  const page = await startLicensePage(
    {
      agent,
      clock,
      password: options.password,
      changed: () => {
        changes += 1;
      },
    },
    { host: '127.0.0.1', port: 0 },
  );
  return {
    agent,
    stateDir: state.path,
    page,
    changes: () => changes,
    close: async () => {
      await page.close();
      state.remove();
    },
  };
}

/** A request with headers fetch will not send as given (a foreign Host), answered as status and body. */
export function rawRequest(
  url: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      `${url}${options.path}`,
      { method: options.method, headers: options.headers ?? {} },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body, headers: response.headers }),
        );
      },
    );
    sent.on('error', reject);
    sent.end(options.body);
  });
}

/**
 * For each test, a fresh service, an agent serving its page and a browser at it; `issue` a key to
 * activate, and `holds()`, what the agent holds (a refused form must leave it as `NOTHING`).
 */
export function agentPageWorld(clock: Clock, options: { password?: string } = {}) {
  const world = {
    service: undefined as unknown as InProcessService,
    held: undefined as unknown as AgentWithPage,
    browser: undefined as unknown as FormClient,
    issue: async (connections = 10) => (await accountWithKey(world.service.ctx, { connections })).license,
    holds: () => {
      const { connected, licensed, licenses, subscription } = world.held.agent.usage();
      return { connected, licensed, licenses: licenses.length, subscription };
    },
  };
  beforeEach(async () => {
    world.service = await startInProcessService(clock);
    world.held = await agentWithPage(world.service, clock, options);
    world.browser = new FormClient(world.held.page.url);
  });
  afterEach(async () => {
    await world.held.close();
    await world.service.close();
  });
  return world;
}

/** What an agent with no key and no subscription holds: its 2 built-in connections. */
export const HOLDS_NOTHING = { connected: 0, licensed: 2, licenses: 0, subscription: null };
