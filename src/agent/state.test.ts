import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentState } from './state.js';

const CLAIMER = resolve(import.meta.dirname, '../../test/support/claim-run.ts');
const CONTENDERS = 8;

describe('one agent per state directory', () => {
  let dir: { path: string };
  beforeEach(() => {
    dir = { path: mkdtempSync(join(tmpdir(), 'seatkeeper-lock-')) };
  });
  afterEach(() => rmSync(dir.path, { recursive: true, force: true }));

  /** One contender: when it is ready to go, and what it then said. */
  function contender(start: string, stop: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', CLAIMER, dir.path, start, stop], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((done) => child.once('exit', done));
    const said = (wanted: (line: string) => boolean) =>
      new Promise<string>((heard, failed) => {
        createInterface({ input: child.stdout }).on('line', (line) => wanted(line) && heard(line));
        child.once('exit', (code) => failed(new Error(`a contender exited (${code}) before saying it`)));
      });
    return { ready: said((line) => line === 'ready'), verdict: said((line) => line !== 'ready'), exited };
  }

  /** Starts the contenders, lets them all go at once when all are ready, and returns what each said. */
  async function contend(): Promise<string[]> {
    const [start, stop] = [join(dir.path, 'go'), join(dir.path, 'stop')];
    const contenders = Array.from({ length: CONTENDERS }, () => contender(start, stop));
    await Promise.all(contenders.map(({ ready }) => ready));
    writeFileSync(start, '');
    // Every winner holds on until all have spoken: none can see another's lock left by an exit.
    const said = await Promise.all(contenders.map(({ verdict }) => verdict));
    writeFileSync(stop, '');
    await Promise.all(contenders.map(({ exited }) => exited));
    return said;
  }

  it('lets exactly one of several agents starting at once take a free directory', async () => {
    const said = await contend();
    expect(said.filter((line) => line === 'claimed')).toHaveLength(1);
    expect(said.filter((line) => line.startsWith('held by '))).toHaveLength(CONTENDERS - 1);
  });

  it('lets exactly one of them take over a lock left by an agent that died', async () => {
    // A process id from a boot that is over: nobody holds this lock.
    writeFileSync(join(dir.path, 'run.lock'), '4242 a-boot-that-is-over\n');
    const said = await contend();
    expect(said.filter((line) => line === 'claimed')).toHaveLength(1);
  });
});

describe('state files read back', () => {
  let dir: { path: string };
  beforeEach(() => {
    dir = { path: mkdtempSync(join(tmpdir(), 'seatkeeper-state-')) };
  });
  afterEach(() => rmSync(dir.path, { recursive: true, force: true }));
  const clock = { now: () => new Date('2026-11-30T00:00:00.000Z') };

  it('refuses a file of another shape, naming the file and the field, rather than use it', () => {
    const state = new AgentState(dir.path);
    state.loadIdentity(clock);
    writeFileSync(join(dir.path, 'agent.json'), JSON.stringify({ serverId: 42, createdAt: 'x' }));
    expect(() => state.loadIdentity(clock)).toThrow(/agent\.json: .*\/serverId/);
    writeFileSync(join(dir.path, 'subscription.json'), JSON.stringify({ key: 'sks_x', grant: 'many seats' }));
    expect(() => state.loadSubscription()).toThrow(/subscription\.json: not what the agent writes there/);
    writeFileSync(join(dir.path, 'offline-requests.json'), JSON.stringify({ nonce: 'n' }));
    expect(() => state.loadPendingOffline()).toThrow(/offline-requests\.json/);
  });

  it('reports a license file of another shape as unreadable, and reads the others', () => {
    const state = new AgentState(dir.path);
    state.loadIdentity(clock);
    state.saveLicense({ licenseId: 'lic_a', key: 'KEY', certificate: { any: 'thing' } });
    writeFileSync(join(dir.path, 'licenses', 'lic_b.json'), JSON.stringify({ licenseId: 'lic_b', key: 7 }));
    const { licenses, unreadable } = state.loadLicenses();
    expect(licenses.map((license) => license.licenseId)).toEqual(['lic_a']);
    expect(unreadable).toEqual([{ file: 'lic_b.json', reason: expect.stringContaining('/key') }]);
  });
});
