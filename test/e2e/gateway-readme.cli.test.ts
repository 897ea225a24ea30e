import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { readmeShellBlock, runPasted } from '../support/readme.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

/** The README's gateway walkthrough, run as pasted against a real service. */
describe('the README gateway walkthrough', { timeout: 180_000 }, () => {
  const dir = tempDir();
  let service: ServiceProcess;

  beforeAll(async () => {
    service = await startService({ dataDir: resolve(dir.path, 'data') });
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it('buys SPC-1YR-LIC and SPC-3YR-LIC, associates them, and the enrolled gateway counts 2 + 20 + 10 = 32', async () => {
    const script = readmeShellBlock('Gateways: EnGenius/SecuPoint seat licenses');
    expect(script).toContain('agent enroll');
    const checkout = readdirSync(dir.path).sort();
    const { stdout } = await runPasted(script, { serviceUrl: service.url, checkout: dir.path });
    expect(readdirSync(dir.path).sort(), 'what the README left in the checkout').toEqual([
      ...new Set([...checkout, 'tmp']),
    ]);
    expect(stdout).toContain('1 × SPC-1YR-LIC (20 VPN users each, 1 year): 20 VPN users in all.');
    expect(stdout).toContain('1 × SPC-3YR-LIC (10 VPN users each, 3 years): 10 VPN users in all.');
    expect(stdout).toMatch(
      /^Associated gwl_\w+ \(SPC-3YR-LIC\) with dev_\w+: active until \d{4}-\d{2}-\d{2}, Merging until /m,
    );
    // Once on the device page, once as the gateway enrolls, once as `agent usage` starts.
    const maximum = 'SecuPoint VPN Client: maximum 32 (2 built-in + 30 from licenses)';
    expect(stdout.split('\n').filter((line) => line === maximum)).toHaveLength(3);
    expect(stdout).toMatch(/^Enrolled gateway dev_\w+ of organization org_\w+ with /m);
    expect(stdout).toMatch(/0 of 32 VPN tunnels in use/);
  });
});
