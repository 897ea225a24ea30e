import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayUsage } from '../../src/agent/gateway/gateway-usage.js';
import { tempDir } from '../support/engines.js';
import { type PreparedGateways, prepareGateways } from '../support/gateway-setup.js';
import { installAgent, type ServiceProcess, seatkeeper, startService } from '../support/service-process.js';

/**
 * `seatkeeper agent enroll` and `agent usage` on an enrolled gateway, against a real service whose
 * organization associated SPC-1YR-LIC and SPC-3YR-LIC with the gateway; the other agent commands
 * keep off a gateway's state directory, and a gateway keeps off a server's.
 */
describe('agent enroll and usage on a gateway', { timeout: 120_000 }, () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  const dir = () => {
    const made = tempDir('seatkeeper-gw-cli-');
    dirs.push(made);
    return made.path;
  };
  let service: ServiceProcess;
  let prepared: PreparedGateways;
  let env: NodeJS.ProcessEnv = {};
  const cli = (...args: string[]) => seatkeeper(args, { env });

  beforeAll(async () => {
    const dataDir = dir();
    prepared = await prepareGateways(
      { dataDir },
      {
        devices: 3,
        licenses: [
          { sku: 'SPC-1YR-LIC', device: 0 },
          { sku: 'SPC-3YR-LIC', device: 0 },
        ],
      },
    );
    service = await startService({ dataDir });
    env = installAgent(dir(), service.vendorKeyFile);
  });
  afterAll(async () => {
    await service?.stop();
    for (const made of dirs) made.remove();
  });

  /** `agent enroll` with a code into a state folder, against the running service. */
  const enroll = (code: string, state: string, ...more: string[]) =>
    cli('agent', 'enroll', '--service', service.url, '--code', code, '--state', state, ...more);

  it('enrolls and shows the SecuPoint VPN Client maximum first, as the device page does', async () => {
    const state = dir();
    const enrolled = await enroll(prepared.codes[0] as string, state);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(enrolled.stdout).toContain(
      `Enrolled gateway ${prepared.deviceIds[0]} of organization ${prepared.organizationId}`,
    );
    expect(enrolled.stdout).toContain('SecuPoint VPN Client: maximum 32 (2 built-in + 30 from licenses)');
    // The credential is a file of its own, its owner's alone, and nowhere else.
    const credentialFile = join(state, 'gateway-credential.json');
    expect(statSync(credentialFile).mode & 0o777).toBe(0o600);
    const { credential } = JSON.parse(readFileSync(credentialFile, 'utf8')) as { credential: string };
    expect(credential).toMatch(/^skd_/);
    expect(readFileSync(join(state, 'gateway.json'), 'utf8')).not.toContain(credential);

    const text = await cli('agent', 'usage', '--state', state);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('SecuPoint VPN Client: maximum 32 (2 built-in + 30 from licenses)');
    expect(text.stdout).toContain(
      `Gateway ${prepared.deviceIds[0]} of organization ${prepared.organizationId}: 0 of 32 VPN tunnels in use.`,
    );
    expect(text.stdout).toMatch(/No agent runs on this state directory/);
    const json = JSON.parse((await cli('agent', 'usage', '--state', state, '--json')).stdout) as GatewayUsage;
    expect(json).toMatchObject({
      profile: 'gateway',
      licensed: 32,
      secupointVpnClient: { maximum: 32, builtIn: 2 },
    });
    expect(
      json.licenses.map((license) => [license.sku, license.users, license.seats, license.lease]),
    ).toEqual([
      ['SPC-1YR-LIC', 20, 20, null],
      ['SPC-3YR-LIC', 10, 10, null],
    ]);

    // `agent refresh` asks for a fresh statement at once (no agent runs on the directory).
    const refreshed = await cli('agent', 'refresh', '--state', state);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stdout).toMatch(/^SecuPoint VPN Client: maximum 32 .*\nStatement valid until /);

    // The server's commands do not apply to a gateway: its licenses are associated in the console.
    const activate = await cli(
      'agent',
      'activate',
      'AAAA-BBBB-CCCC-DDDD',
      '--service',
      service.url,
      '--state',
      state,
    );
    expect(activate.code).toBe(2);
    expect(activate.stderr).toMatch(/enrolled gateway's state directory.*\(gateway_profile\)/);
  });

  it('with no license of its own, the 2 built-in seats; a statement edited by hand counts nothing', async () => {
    const state = dir();
    const enrolled = await enroll(prepared.codes[1] as string, state, '--json');
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(JSON.parse(enrolled.stdout)).toMatchObject({
      deviceId: prepared.deviceIds[1],
      usage: { licensed: 2 },
    });
    // Someone gives themselves 1000 users in the statement file.
    const file = join(state, 'statement.json');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      statement: { payload: { licenses: unknown[] } };
    };
    stored.statement.payload.licenses.push({
      licenseId: 'gwl_forged',
      keyHint: 'XXXX',
      sku: 'SPC-1YR-LIC',
      kind: 'secupoint',
      users: 1000,
      starts: '2026-01-01T00:00:00.000Z',
      ends: '2036-01-01T00:00:00.000Z',
      lease: null,
    });
    writeFileSync(file, JSON.stringify(stored));
    const usage = await cli('agent', 'usage', '--state', state);
    expect(usage.stdout.split('\n')[0]).toBe(
      'SecuPoint VPN Client: maximum 2 (2 built-in + 0 from licenses)',
    );
    expect(usage.stdout).toMatch(
      /The stored statement counts nothing: The gateway statement signature does not verify/,
    );
  });

  it('refuses a code that is wrong or spent, a server’s state directory, and no vendor key', async () => {
    const wrong = await enroll('ske_wrong', dir());
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/\(enrollment_invalid\)/);
    // The second gateway's code was spent by the test before.
    const spent = await enroll(prepared.codes[1] as string, dir());
    expect(spent.code).toBe(1);
    expect(spent.stderr).toMatch(/\(enrollment_invalid\)/);
    const server = dir();
    mkdirSync(join(server, 'licenses'));
    writeFileSync(join(server, 'licenses', 'lic_1.json'), '{}');
    const taken = await enroll(prepared.codes[2] as string, server);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/holds a VPN server's keys or subscription/);
    const bare = await seatkeeper([
      'agent',
      'enroll',
      '--service',
      service.url,
      '--code',
      prepared.codes[2] as string,
      '--state',
      dir(),
    ]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/\(vendor_key_missing\)/);
    const help = await cli('agent', 'enroll', '--help');
    expect(help.stdout).toMatch(/Example:\n\s+\$ seatkeeper agent enroll --service/);
  });
});
