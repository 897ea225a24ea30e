import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { bootstrapStaff } from '../support/http.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;
const bootstrapTokenIn = (service: ServiceProcess) => /skb_[A-Za-z0-9_-]+/.exec(service.stderr())?.[0];

describe('the first starts of the service', () => {
  let dir: ReturnType<typeof tempDir>;
  const running: ServiceProcess[] = [];

  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
    dir.remove();
  });

  const start = async (dataDir: string, args?: string[]) => {
    const service = await startService({ dataDir, args });
    running.push(service);
    return service;
  };

  it('keeps the data folder private (0700), and the database and its journal files 0600 like the keys', async () => {
    dir = tempDir();
    const data = join(dir.path, 'data');
    const service = await start(data);
    expect(modeOf(data)).toBe(0o700);
    // While the service runs, SQLite's write-ahead log and shared memory files exist beside the database.
    for (const file of [
      'seatkeeper.db',
      'seatkeeper.db-wal',
      'seatkeeper.db-shm',
      'signing-key.pem',
      'data-key',
    ])
      expect([file, modeOf(join(data, file))]).toEqual([file, 0o600]);
    expect(service.stderr()).not.toContain('Warning:');
    // A fresh service sells nothing for real until it is told to: its banner says so.
    expect(service.stderr()).toContain('Payments: the built-in TEST provider approves test card numbers');
  });

  it('makes a database an earlier start left readable private, and warns about a data folder open to others', async () => {
    dir = tempDir();
    const data = join(dir.path, 'data');
    mkdirSync(data, { mode: 0o755 });
    chmodSync(data, 0o755);
    await (await start(data)).stop();
    chmodSync(join(data, 'seatkeeper.db'), 0o644);
    const again = await start(data);
    for (const file of ['seatkeeper.db', 'seatkeeper.db-wal', 'seatkeeper.db-shm'])
      expect([file, modeOf(join(data, file))]).toEqual([file, 0o600]);
    expect(again.stderr()).toContain(
      `Warning: the data folder ${data} is open to other users (mode 0755); its keys and database are not: make it private with chmod 700 '${data}'`,
    );
  });

  it('prints a bootstrap token that still works at every start until the first staff user exists, a failed start included', async () => {
    dir = tempDir();
    const data = join(dir.path, 'data');
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((listening) => taken.once('listening', listening));
    try {
      const { port } = taken.address() as AddressInfo;
      await expect(start(data, ['--port', String(port)])).rejects.toThrow(/before listening/);
    } finally {
      await new Promise((closed) => taken.close(closed));
    }
    const second = await start(data);
    const token = bootstrapTokenIn(second);
    expect(token).toMatch(/^skb_/);
    expect(second.stderr()).toContain('seatkeeper staff create --email');
    await second.stop();
    const third = await start(data);
    expect(bootstrapTokenIn(third)).toBe(token);
    expect(await bootstrapStaff(third)).toMatch(/^skt_/);
    await third.stop();
    expect(bootstrapTokenIn(await start(data))).toBeUndefined();
  });
});
