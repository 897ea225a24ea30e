import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayUsage } from '../../src/agent/gateway/gateway-usage.js';
import { tempDir } from '../support/engines.js';
import { type PreparedGateways, prepareGateways } from '../support/gateway-setup.js';
import {
  CONNECTED,
  DENIED,
  OpenvpnLab,
  openvpnUnavailable,
  type WatchedProcess,
} from '../support/openvpn.js';
import { installAgent, type ServiceProcess, seatkeeper, startService } from '../support/service-process.js';

/**
 * An EnGenius/SecuPoint gateway's agent deciding for a real OpenVPN server: enrolled with a real
 * license service as a device whose organization associated SPC-1YR-LIC (20 users) and SPC-3YR-LIC
 * (10 users) with it, then `agent run` on the server's management interface with real clients.
 */
const unavailable = openvpnUnavailable();
if (unavailable !== undefined) console.warn(`skipping the gateway OpenVPN end-to-end test: ${unavailable}`);

type PrintedUsage = Omit<GatewayUsage, 'tunnels'> & { tunnels: { user?: string }[] };

describe.skipIf(unavailable !== undefined)(
  'a gateway’s agent on a real OpenVPN server',
  { timeout: 300_000 },
  () => {
    const dirs: ReturnType<typeof tempDir>[] = [];
    const dir = () => {
      const made = tempDir('seatkeeper-gw-ovpn-');
      dirs.push(made);
      return made.path;
    };
    let lab: OpenvpnLab;
    let service: ServiceProcess;
    let prepared: PreparedGateways;
    let env: NodeJS.ProcessEnv = {};

    async function cli(...args: string[]): Promise<string> {
      const outcome = await seatkeeper(args, { env });
      if (outcome.code !== 0)
        throw new Error(`seatkeeper ${args.join(' ')} exited with ${outcome.code}: ${outcome.stderr}`);
      return outcome.stdout;
    }

    beforeAll(async () => {
      const dataDir = dir();
      prepared = await prepareGateways(
        { dataDir },
        {
          devices: 1,
          licenses: [
            { sku: 'SPC-1YR-LIC', device: 0 },
            { sku: 'SPC-3YR-LIC', device: 0 },
          ],
        },
      );
      [lab, service] = await Promise.all([OpenvpnLab.create(dir()), startService({ dataDir })]);
      env = installAgent(dir(), service.vendorKeyFile);
      lab.agentEnv = env;
    });
    afterAll(async () => {
      await lab?.stopAll();
      await service?.stop();
      for (const made of dirs) made.remove();
    });

    it('enrolls, then admits the 32nd tunnel and refuses the 33rd with the licensed-amount message', async () => {
      const state = dir();
      const code = prepared.codes[0] as string;
      const enrolled = JSON.parse(
        await cli('agent', 'enroll', '--service', service.url, '--code', code, '--state', state, '--json'),
      ) as { deviceId: string; usage: PrintedUsage };
      expect(enrolled.deviceId).toBe(prepared.deviceIds[0]);
      expect(enrolled.usage.secupointVpnClient).toEqual({ maximum: 32, builtIn: 2 });
      // The code is spent: enrolling again with it is refused.
      const again = await seatkeeper(
        ['agent', 'enroll', '--service', service.url, '--code', code, '--state', dir()],
        {
          env,
        },
      );
      expect(again.code).not.toBe(0);
      expect(again.stderr).toMatch(/enrollment/i);
      // Its page's figure first, as the device page shows it.
      const text = await cli('agent', 'usage', '--state', state);
      expect(text.split('\n')[0]).toBe('SecuPoint VPN Client: maximum 32 (2 built-in + 30 from licenses)');
      expect(text).toMatch(/SPC-1YR-LIC\s+20\s+20/);
      expect(text).toMatch(/SPC-3YR-LIC\s+10\s+10/);

      const server = await lab.server();
      const agent = await lab.agent(state, server.management);
      // 32 real clients, eight handshakes at a time: each is decided by the agent over the management interface.
      const up: WatchedProcess[] = [];
      for (let batch = 0; batch < 4; batch++) {
        const clients = await Promise.all(
          Array.from({ length: 8 }, (_, i) => lab.client(`gw-${batch * 8 + i + 1}`, server.port)),
        );
        await Promise.all(clients.map((vpnClient) => vpnClient.waitFor(CONNECTED, 60_000)));
        up.push(...clients);
      }
      const usageOf = async () =>
        JSON.parse(await cli('agent', 'usage', '--json', '--state', state)) as PrintedUsage;
      // The running agent publishes its count a moment after its decisions.
      for (let tries = 0; (await usageOf()).connected !== 32 && tries < 300; tries++)
        await new Promise((resume) => setTimeout(resume, 200));
      expect(await usageOf()).toMatchObject({
        connected: 32,
        licensed: 32,
        secupointVpnClient: { maximum: 32 },
      });

      const refused = await lab.client('gw-33', server.port);
      await refused.waitFor(DENIED, 60_000);
      await refused.exited;
      expect(refused.log).toContain('AUTH_FAILED,Licensed amount of concurrent connections exceeded');
      expect(agent.log).toMatch(/"event":"deny".*"user":"gw-33"/);
      for (const vpnClient of up) expect(vpnClient.running).toBe(true);
      const usage = await usageOf();
      expect(usage.connected).toBe(32);
      expect(usage.tunnels.map((tunnel) => tunnel.user)).not.toContain('gw-33');

      // One goes: its seat is the next client's.
      await up[0]?.kill('SIGTERM');
      for (let tries = 0; (await usageOf()).connected !== 31 && tries < 300; tries++)
        await new Promise((resume) => setTimeout(resume, 200));
      const next = await lab.client('gw-34', server.port);
      await next.waitFor(CONNECTED, 60_000);
    });
  },
);
