import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../test/support/clock.js';
import { tempDir } from '../../test/support/engines.js';
import {
  accountWithKey,
  failoverKeyOf,
  forgedAgentState,
  machine,
  vendorKeyOf,
} from '../../test/support/factories.js';
import { type InProcessService, startInProcessService } from '../../test/support/in-process-service.js';
import { expectRefusal } from '../../test/support/results.js';
import { keyIdOf, signCertificate } from '../domain/certificate.js';
import { Agent } from './agent.js';
import { runAgent, SimulatedMachineRefused } from './openvpn/run.js';

describe('the agent, activated through a real service on 127.0.0.1', () => {
  let clock: ManualClock;
  let service: InProcessService;
  let state: ReturnType<typeof tempDir>;

  const vendorKey = () => vendorKeyOf(service.ctx);
  const openAgent = (stateDir = state.path, seed: string | number = 'srv-a') =>
    new Agent({ stateDir, clock, machine: machine(seed), vendorKeys: [vendorKey()] });
  const issue = async (options: Parameters<typeof accountWithKey>[1] = {}) =>
    (await accountWithKey(service.ctx, options)).license;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    service = await startInProcessService(clock);
    state = tempDir('seatkeeper-agent-');
  });
  afterEach(async () => {
    await service.close();
    state.remove();
  });

  it('has the 2 built-in connections before any key is activated', () => {
    const agent = openAgent();
    expect(agent.usage()).toMatchObject({ connected: 0, licensed: 2, licenses: [] });
    expect(agent.admit({ id: 't1' }).admitted).toBe(true);
    expect(agent.admit({ id: 't2' }).admitted).toBe(true);
    expect(agent.admit({ id: 't3' })).toEqual({
      admitted: false,
      code: 'license_limit_exceeded',
      message: 'Licensed amount of concurrent connections exceeded',
    });
  });

  it('activates a failover key only as a failover server, and refreshes it as one', async () => {
    const license = await issue({ connections: 10 });
    const failover = await failoverKeyOf(service.ctx, license.id);
    const standby = openAgent(state.path, 'standby');
    expect(await standby.activate(failover.key, service.url)).toMatchObject({
      ok: false,
      error: { code: 'failover_key_mismatch' },
    });
    expect((await standby.activate(failover.key, service.url, { failover: true })).ok).toBe(true);
    expect(standby.usage().licensed).toBe(10);
    clock.advance(4 * DAY);
    const [refreshed] = await standby.refresh();
    expect(refreshed?.result.ok).toBe(true);
  });

  it('keeps counting a legacy key past its support term on its machine; a new machine cannot take it', async () => {
    const { license } = await accountWithKey(service.ctx, { connections: 10, legacy: true });
    const agent = openAgent(state.path, 'old-box');
    expect((await agent.activate(license.key, service.url)).ok).toBe(true);
    clock.advance(400 * DAY);
    const [refreshed] = await agent.refresh();
    expect(refreshed?.result.ok).toBe(true);
    expect(agent.capacity().seats).toBe(10);
    const other = tempDir('seatkeeper-agent-new-box-');
    try {
      expect(await openAgent(other.path, 'new-box').activate(license.key, service.url)).toMatchObject({
        ok: false,
        error: { code: 'license_expired' },
      });
    } finally {
      other.remove();
    }
  });

  it('follows a machine that changed a little, three times in the key’s life, then stays locked', async () => {
    const license = await issue({ connections: 10 });
    expect((await openAgent(state.path, 'moving').activate(license.key, service.url)).ok).toBe(true);
    for (const round of [1, 2, 3]) {
      const changed = new Agent({
        stateDir: state.path,
        clock,
        machine: machine('moving', { hostname: `renamed-${round}` }),
        vendorKeys: [vendorKey()],
      });
      expect(changed.capacity().seats).toBe(2);
      expect(changed.licenses()[0]?.reason).toMatch(
        /^License error: machine properties validation failed: verify fail: hostname differs/,
      );
      const [followed] = await changed.refresh();
      expect(followed?.result.ok).toBe(true);
      expect(changed.capacity().seats).toBe(10);
    }
    const fourth = new Agent({
      stateDir: state.path,
      clock,
      machine: machine('moving', { hostname: 'renamed-4' }),
      vendorKeys: [vendorKey()],
    });
    const [refused] = await fourth.refresh();
    expect(refused?.result).toMatchObject({
      ok: false,
      error: {
        code: 'fingerprint_mismatch',
        detail: expect.stringMatching(/verify fail: hostname differs.*stays locked/),
      },
    });
    expect(fourth.capacity().seats).toBe(2);
    // The last valid configuration still counts.
    expect(
      new Agent({
        stateDir: state.path,
        clock,
        machine: machine('moving', { hostname: 'renamed-3' }),
        vendorKeys: [vendorKey()],
      }).capacity().seats,
    ).toBe(10);
  });

  it('never follows a clone on other hardware: its seats stop counting there, with the seeds’ message', async () => {
    const license = await issue({ connections: 10 });
    expect((await openAgent(state.path, 'original').activate(license.key, service.url)).ok).toBe(true);
    const clone = new Agent({
      stateDir: state.path,
      clock,
      machine: machine('original', { machineId: 'other-hardware' }),
      vendorKeys: [vendorKey()],
    });
    const [refused] = await clone.refresh();
    expect(refused?.result).toMatchObject({
      ok: false,
      error: {
        code: 'fingerprint_mismatch',
        detail:
          'License error: machine properties validation failed: verify fail: machine id differs from the machine the license was activated on',
      },
    });
    expect(clone.usage()).toMatchObject({
      licensed: 2,
      licenses: [{ status: 'not_counting', code: 'fingerprint_mismatch' }],
    });
    expect(openAgent(state.path, 'original').capacity().seats).toBe(10);
  });

  it('follows the seeds’ example: ten admitted, the 11th denied, one released, the next admitted', async () => {
    const license = await issue({ connections: 10 });
    const agent = openAgent();
    const activated = await agent.activate(license.key, service.url);
    expect(activated.ok).toBe(true);
    expect(agent.usage()).toMatchObject({ connected: 0, licensed: 10 });
    for (let i = 1; i <= 10; i++)
      expect(agent.admit({ id: `tunnel-${i}`, user: 'andrew' }).admitted).toBe(true);
    const eleventh = agent.admit({ id: 'tunnel-11' });
    expect(eleventh).toEqual({
      admitted: false,
      code: 'license_limit_exceeded',
      message: 'Licensed amount of concurrent connections exceeded',
    });
    expect(agent.release('tunnel-4')).toBe(true);
    expect(agent.admit({ id: 'tunnel-11' }).admitted).toBe(true);
    expect(agent.usage()).toMatchObject({ connected: 10, licensed: 10 });
  });

  it('adds up several keys on one server, and the built-in connections stop counting', async () => {
    const agent = openAgent();
    await agent.activate((await issue({ connections: 10 })).key, service.url);
    await agent.activate((await issue({ connections: 5 })).key);
    expect(agent.usage().licensed).toBe(15);
  });

  it('keeps its identity and licenses across restarts, with no service in reach', async () => {
    const license = await issue({ connections: 10 });
    const first = openAgent();
    await first.activate(license.key, service.url);
    await service.close();
    const restarted = openAgent();
    expect(restarted.serverId).toBe(first.serverId);
    expect(restarted.usage().licensed).toBe(10);
    const unreachable = await restarted.activate(license.key);
    expectRefusal(unreachable, 'service_unreachable');
  });

  it('does not count a license on a cloned machine, and says why in the seeds’ words', async () => {
    await openAgent().activate((await issue({ connections: 10 })).key, service.url);
    const clone = tempDir('seatkeeper-clone-');
    cpSync(state.path, clone.path, { recursive: true });
    const cloned = openAgent(clone.path, 'other-hardware');
    const usage = cloned.usage();
    expect(usage.licensed).toBe(2);
    expect(usage.licenses[0]).toMatchObject({ status: 'not_counting', code: 'fingerprint_mismatch' });
    expect(usage.licenses[0]?.reason).toMatch(
      /^License error: machine properties validation failed: verify fail: machine id, hostname and network interface MACs differ/,
    );
    clone.remove();
  });

  it('does not count a certificate edited by hand', async () => {
    const license = await issue({ connections: 10 });
    await openAgent().activate(license.key, service.url);
    const file = join(state.path, 'licenses', `${license.id}.json`);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    stored.certificate.payload.seats = 1000;
    writeFileSync(file, JSON.stringify(stored));
    const agent = openAgent();
    expect(agent.usage().licensed).toBe(2);
    expect(agent.licenses()[0]).toMatchObject({ status: 'not_counting', code: 'certificate_invalid' });
  });

  it('stops counting a key at the moment its term ends, and falls back to the 2 built-in connections', async () => {
    const ending = await issue({ connections: 10, purchasedAt: new Date('2025-11-24T12:00:00.000Z') });
    const agent = openAgent();
    await agent.activate(ending.key, service.url);
    expect(agent.usage().licensed).toBe(10);
    clock.set(ending.ends);
    clock.advance(-1);
    expect(agent.capacity().seats).toBe(10);
    clock.advance(1);
    expect(agent.capacity().seats).toBe(2);
    expect(agent.licenses()[0]).toMatchObject({ status: 'not_counting', code: 'license_expired' });
  });

  it('stops counting a certificate whose TTL ran out, and counts again after a refresh', async () => {
    const agent = openAgent();
    await agent.activate((await issue({ connections: 10 })).key, service.url);
    clock.advance(7 * DAY);
    expect(agent.capacity().seats).toBe(2);
    expect(agent.licenses()[0]?.reason).toContain('refresh');
    const refreshed = await agent.refresh();
    expect(refreshed.map(({ result }) => result.ok)).toEqual([true]);
    expect(agent.capacity().seats).toBe(10);
  });

  it('refreshes certificates past half their life, well before the TTL ends', async () => {
    const agent = openAgent();
    await agent.activate((await issue({ connections: 10 })).key, service.url);
    clock.advance(DAY);
    expect(await agent.refresh()).toEqual([]);
    clock.advance(3 * DAY);
    expect((await agent.refresh()).map(({ result }) => result.ok)).toEqual([true]);
    clock.advance(5 * DAY);
    expect(agent.capacity().seats).toBe(10);
  });

  it('refuses to activate a key already bound to another server, with the seeds’ message', async () => {
    const license = await issue();
    await openAgent().activate(license.key, service.url);
    const other = tempDir('seatkeeper-other-');
    const result = await openAgent(other.path, 'srv-b').activate(license.key, service.url);
    expectRefusal(result, 'key_already_activated');
    expect(result.ok ? '' : result.error.detail).toMatch(
      /^License error: machine properties validation failed: verify fail: /,
    );
    other.remove();
  });

  it('counts a license once, however many copies of its file there are', async () => {
    const license = (await accountWithKey(service.ctx, { connections: 10 })).license;
    const agent = openAgent();
    await agent.activate(license.key, service.url);
    const file = join(state.path, 'licenses', `${license.id}.json`);
    cpSync(file, join(state.path, 'licenses', 'copy.json'));
    cpSync(file, join(state.path, 'licenses', 'copy-2.json'));
    const reopened = openAgent();
    expect(reopened.usage().licensed).toBe(10);
    expect(reopened.licenses().filter((l) => l.status === 'counting')).toHaveLength(1);
  });

  it('trusts only the installed vendor key, not one written into its state', async () => {
    const license = (await accountWithKey(service.ctx, { connections: 10 })).license;
    const agent = new Agent({
      stateDir: state.path,
      clock,
      machine: machine('a'),
      vendorKeys: [vendorKey()],
    });
    expect((await agent.activate(license.key, service.url)).ok).toBe(true);
    // Someone signs a certificate for 100000 seats with a key of their own and pins it in agent.json.
    const forger = generateKeyPairSync('ed25519');
    const forgerPem = forger.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const stored = JSON.parse(readFileSync(join(state.path, 'licenses', `${license.id}.json`), 'utf8'));
    const payload = { ...stored.certificate.payload, kid: keyIdOf(forger.publicKey), seats: 100_000 };
    const forged = signCertificate(payload, forger.privateKey);
    writeFileSync(
      join(state.path, 'licenses', `${license.id}.json`),
      JSON.stringify({ ...stored, certificate: forged }),
    );
    const identity = JSON.parse(readFileSync(join(state.path, 'agent.json'), 'utf8'));
    identity.vendorKeys = [{ kid: keyIdOf(forger.publicKey), publicKeyPem: forgerPem }];
    writeFileSync(join(state.path, 'agent.json'), JSON.stringify(identity));

    const reopened = new Agent({
      stateDir: state.path,
      clock,
      machine: machine('a'),
      vendorKeys: [vendorKey()],
    });
    expect(reopened.usage().licensed).toBe(2);
    expect(reopened.licenses()[0]).toMatchObject({ status: 'not_counting', code: 'certificate_invalid' });
  });

  it('does not count a certificate stored under another license’s name', async () => {
    const first = (await accountWithKey(service.ctx, { connections: 10 })).license;
    const agent = openAgent();
    await agent.activate(first.key, service.url);
    const stored = JSON.parse(readFileSync(join(state.path, 'licenses', `${first.id}.json`), 'utf8'));
    const otherId = 'lic_01kax5c1x8b2m4n6p8r0s2t4v6';
    writeFileSync(
      join(state.path, 'licenses', `${otherId}.json`),
      JSON.stringify({ ...stored, licenseId: otherId }),
    );
    const reopened = openAgent();
    expect(reopened.usage().licensed).toBe(10);
    expect(reopened.licenses().find((l) => l.licenseId === otherId)).toMatchObject({
      status: 'not_counting',
      code: 'certificate_invalid',
    });
  });
  it('never trusts a vendor key written in its state: with none installed, a self-signed certificate counts nothing', () => {
    forgedAgentState(state.path, machine('forged'), 1_000_000, clock.now());
    const agent = new Agent({ stateDir: state.path, clock, machine: machine('forged') });
    expect(agent.usage().licensed).toBe(2);
    expect(agent.licenses()[0]).toMatchObject({
      status: 'not_counting',
      code: 'vendor_key_missing',
      reason: expect.stringContaining('seatkeeper agent install --vendor-key'),
    });
    // The same old state file loads beside the installed key; its pinned key still counts for nothing.
    const installed = new Agent({
      stateDir: state.path,
      clock,
      machine: machine('forged'),
      vendorKeys: [vendorKey()],
    });
    expect(installed.usage().licensed).toBe(2);
    expect(installed.licenses()[0]).toMatchObject({ status: 'not_counting', code: 'certificate_invalid' });
  });

  it('refuses to activate with no vendor key installed, before the service binds the key', async () => {
    const license = await issue({ connections: 10 });
    const uninstalled = new Agent({ stateDir: state.path, clock, machine: machine('a') });
    expect(await uninstalled.activate(license.key, service.url)).toMatchObject({
      ok: false,
      error: { code: 'vendor_key_missing', detail: expect.stringContaining('seatkeeper agent install') },
    });
    expect(JSON.parse(readFileSync(join(state.path, 'agent.json'), 'utf8'))).not.toHaveProperty('vendorKeys');
    // Nothing was bound: the key still activates on a server with the vendor key installed.
    const other = tempDir('seatkeeper-installed-');
    try {
      expect((await openAgent(other.path, 'b').activate(license.key, service.url)).ok).toBe(true);
    } finally {
      other.remove();
    }
  });

  it('says in its usage that its machine is simulated, and such an agent is refused by agent run', () => {
    const simulated = new Agent({
      stateDir: state.path,
      clock,
      machine: machine('lab'),
      simulatedMachine: '/lab/machine-a.json',
      vendorKeys: [vendorKey()],
    });
    expect(simulated.usage().simulatedMachine).toBe('/lab/machine-a.json');
    expect(openAgent().usage().simulatedMachine).toBeNull();
    let running: ReturnType<typeof runAgent> | undefined;
    let refusal: unknown;
    try {
      running = runAgent(simulated, {
        stateDir: state.path,
        address: { host: '127.0.0.1', port: 1 },
        logger: pino({ level: 'silent' }),
      });
    } catch (error) {
      refusal = error;
    } finally {
      running?.stop();
    }
    expect(refusal).toBeInstanceOf(SimulatedMachineRefused);
    expect(existsSync(join(state.path, 'run.lock'))).toBe(false);
  });
});
