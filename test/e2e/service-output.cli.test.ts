import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { seatkeeper, startService } from '../support/service-process.js';

const DATE = '\\d{4}-\\d{2}-\\d{2}';

/** The service-side commands' sentences, read as the operator reads them. */
describe('what the service-side commands say', () => {
  const dir = tempDir();
  const data = join(dir.path, 'data');
  const run = async (...args: string[]) => {
    const outcome = await seatkeeper([...args, '--data', data]);
    expect(outcome.code, outcome.stderr).toBe(0);
    return outcome.stdout;
  };
  afterAll(() => dir.remove());

  it('says there is nothing yet, and what makes the first, rather than print an empty table', async () => {
    expect(await run('account', 'list')).toBe(
      'No accounts yet: seatkeeper account create --email E adds one.\n',
    );
    expect(await run('subscription', 'list')).toBe('No subscriptions.\n');
  });

  it('counts one connection in the singular', async () => {
    await run('account', 'create', '--email', 'one@example.com');
    expect(await run('key', 'issue', '--account', 'one@example.com', '--connections', '1')).toMatch(
      new RegExp(`\\n1 connection, support term until ${DATE} \\(lic_\\w+\\)\\.\\n$`),
    );
    expect(await run('key', 'issue', '--account', 'one@example.com', '--connections', '10')).toMatch(
      /\n10 connections, support term/,
    );
  });

  it('says whether a subscription renews or ends with its period, and names its account by email', async () => {
    const renewing = await run(
      'subscription',
      'create',
      '--account',
      'one@example.com',
      '--connections',
      '1',
    );
    expect(renewing).toMatch(
      new RegExp(`\\n1 connection in reconcile mode, monthly, renews ${DATE} \\(sub_\\w+\\)\\.\\n$`),
    );
    const ending = await run(
      ...['subscription', 'create', '--account', 'one@example.com', '--connections', '100'],
      ...['--mode', 'lease', '--period', 'yearly', '--no-auto-renew'],
    );
    expect(ending).toMatch(
      new RegExp(`\\n100 connections in lease mode, yearly, ends ${DATE} \\(sub_\\w+\\)\\.\\n$`),
    );
    const listed = await run('subscription', 'list');
    expect(listed).toMatch(/^ID\s+ACCOUNT\s+CONNECTIONS\s+MODE\s+PERIOD\s+ENDS\s+AUTO-RENEW\n/);
    expect(listed).toMatch(new RegExp(`one@example\\.com\\s+1\\s+reconcile\\s+monthly\\s+${DATE}\\s+yes\\n`));
    expect(listed).toMatch(new RegExp(`one@example\\.com\\s+100\\s+lease\\s+yearly\\s+${DATE}\\s+no\\n`));
    const id = /sub_\w+/.exec(renewing)?.[0] ?? '';
    expect(await run('subscription', 'renew', id)).toMatch(
      new RegExp(`^Subscription ${id} renewed by one month: its period now ends ${DATE}\\.\\n$`),
    );
  });

  it('calls a staff user a staff user', async () => {
    expect(await run('staff', 'create', '--email', 'ops@vendor.example')).toMatch(
      /^Staff user ops@vendor\.example \(usr_\w+\) created\. API token, shown once:\nskt_/,
    );
  });

  it('gives the staff command at first start with the data folder the service uses', async () => {
    const elsewhere = join(dir.path, 'elsewhere');
    const service = await startService({ dataDir: elsewhere });
    await service.stop();
    expect(service.stderr()).toContain(
      `or, on this store: seatkeeper staff create --email you@vendor.example --data '${elsewhere}'\n`,
    );
  });
});
