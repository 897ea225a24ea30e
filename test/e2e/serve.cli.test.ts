import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { seatkeeper } from '../support/service-process.js';

describe('seatkeeper serve where it cannot listen', () => {
  const dir = tempDir();
  let taken: Server;
  let port: number;

  beforeAll(async () => {
    // Another program on the port: a real listening socket, as a second service would be.
    taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    port = (taken.address() as AddressInfo).port;
  });
  afterAll(async () => {
    taken.close();
    await once(taken, 'close');
    dir.remove();
  });

  it('says the port is in use and how to pass --port, through npm too, and exits 2', async () => {
    const outcome = await seatkeeper(['serve', '--port', String(port), '--data', join(dir.path, 'data')]);
    expect([outcome.code, outcome.stderr]).toEqual([
      2,
      `seatkeeper: port ${port} on 127.0.0.1 is in use (another program, or a service already running, listens there): start with --port N (npm start -- --port N) (port_in_use)\n`,
    ]);
  });

  it('refuses bad invoice settings before it starts, naming the flag, and exits 2', async () => {
    const data = ['--data', join(dir.path, 'data'), '--port', '0'];
    const rates = await seatkeeper(['serve', ...data, '--tax-rates', 'DE=19,Deutschland=19']);
    expect([rates.code, rates.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^seatkeeper: --tax-rates \/ SEATKEEPER_TAX_RATES must be .*\(config_invalid\)\n$/,
      ),
    ]);
    const bank = await seatkeeper(['serve', ...data], {
      env: { SEATKEEPER_BANK_DETAILS: join(dir.path, 'no-such-file.txt') },
    });
    expect([bank.code, bank.stderr]).toEqual([
      2,
      expect.stringContaining('--bank-details / SEATKEEPER_BANK_DETAILS names a text file'),
    ]);
    const help = await seatkeeper(['serve', '--help']);
    for (const flag of ['--tax-rates <rates>', '--bank-details <file>', '--seller-name <name>'])
      expect(help.stdout).toContain(flag);
  });

  it('says in its help how to give --port through npm start', async () => {
    const help = await seatkeeper(['serve', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('through npm: npm start -- --port N');
  });

  it('says the same of a port given in SEATKEEPER_PORT', async () => {
    const outcome = await seatkeeper(['serve', '--data', join(dir.path, 'data')], {
      env: { SEATKEEPER_PORT: String(port) },
    });
    expect([outcome.code, outcome.stderr]).toEqual([2, expect.stringContaining('(port_in_use)')]);
  });

  it('says when the host is not an address of this machine', async () => {
    // 192.0.2.0/24 is reserved for documentation: no machine has it.
    const outcome = await seatkeeper([
      'serve',
      '--host',
      '192.0.2.1',
      '--port',
      '0',
      '--data',
      join(dir.path, 'data'),
    ]);
    expect([outcome.code, outcome.stderr]).toEqual([
      2,
      'seatkeeper: 192.0.2.1 is not an address of this machine: start with --host and one of its addresses, e.g. --host 127.0.0.1 (host_not_available)\n',
    ]);
  });
});
