import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupportRequest } from '../../src/contract/support.js';
import { tempDir } from '../support/engines.js';
import {
  customerWithKey,
  installAgent,
  type ServiceProcess,
  seatkeeper,
  startService,
} from '../support/service-process.js';

/** What the operator's first hour asks of the key, request and audit commands, on a real service. */
describe('the key, request and audit commands as an operator reads them', () => {
  const dir = tempDir();
  const data = resolve(dir.path, 'data');
  let service: ServiceProcess;
  let agentEnv: NodeJS.ProcessEnv;
  const staffEmail = `staff-${randomBytes(3).toString('hex')}@vendor.example`;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    seatkeeper([...args, '--data', data], { env: { SEATKEEPER_OPERATOR: '', ...env } });

  beforeAll(async () => {
    service = await startService({ dataDir: data });
    agentEnv = installAgent(resolve(dir.path, 'installed-agent'), service.vendorKeyFile);
    expect((await cli(['staff', 'create', '--email', staffEmail])).code).toBe(0);
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  /** A fresh account with one key, named by its last four characters too. */
  async function freshKey(connections = 10) {
    const customer = await customerWithKey(data, connections);
    return { ...customer, hint: customer.key.slice(-4) };
  }

  const activate = (key: string, state: string) =>
    seatkeeper(['agent', 'activate', key, '--service', service.url, '--state', resolve(dir.path, state)], {
      env: agentEnv,
    });

  const openRequest = (ownerToken: string, body: Record<string, unknown>) =>
    fetch(`${service.url}/v1/support-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const rowOf = (listing: string, key: string) =>
    listing.split('\n').find((line) => line.includes(key)) ?? '';

  it('lists why keys stopped: split into which keys, refunded, replaced by which key and when it stops, failover for which key', async () => {
    const { email, key, id, ownerToken } = await freshKey();
    const split = JSON.parse((await cli(['key', 'split', key, '--into', '4,6', '--json'])).stdout);
    const [four, six] = split.keys as { id: string; key: string }[];
    if (four === undefined || six === undefined) throw new Error('two keys expected');
    // A split key names the keys it became in the order of their ids.
    const named = [four, six].sort((x, y) => x.id.localeCompare(y.id)).map((part) => part.key.slice(-4));
    expect((await cli(['key', 'refund', four.key])).code).toBe(0);
    expect((await activate(six.key, 'replaced-server')).code).toBe(0);
    const replaced = await cli(['key', 'replace', six.key]);
    const successor = replaced.stdout.split('\n')[0] ?? '';
    expect(replaced.stdout).toContain(`…${six.key.slice(-4)} is replaced by ${successor} (lic_`);
    expect(replaced.stdout).toMatch(
      /activate that key on the new machine\. .* stops at \d{4}-\d\d-\d\d \d\d:\d\d UTC\./,
    );
    const failover = await cli(['key', 'failover', successor]);
    const failoverKey = failover.stdout.split('\n')[0] ?? '';

    const listing = (await cli(['key', 'list', '--account', email])).stdout;
    expect(listing.split('\n')[0]).toMatch(/^ID\s+ACCOUNT\s+KEY\s+CONNECTIONS\s+STATUS\s+ENDS\s+SERVER$/);
    expect(rowOf(listing, key)).toContain(`split into …${named[0]}, …${named[1]}`);
    expect(rowOf(listing, four.key)).toMatch(/\brefunded\b/);
    expect(rowOf(listing, six.key)).toMatch(
      new RegExp(
        `active, replaced by …${successor.slice(-4)}, stops at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\s+\\d{4}-\\d\\d-\\d\\d\\s+srv_`,
      ),
    );
    expect(rowOf(listing, failoverKey)).toContain(`not activated, failover for …${successor.slice(-4)}`);
    expect(listing).not.toMatch(/\brevoked\b/);
    const json = JSON.parse((await cli(['key', 'list', '--account', email, '--json'])).stdout);
    expect(json.licenses.find((license: { id: string }) => license.id === id)).toMatchObject({
      status: 'revoked',
      endedReason: 'split',
      statusReason: expect.stringMatching(/^split into/),
      successors: named.map((keyHint) => ({ keyHint })),
    });
    // The API answers the same.
    const api = await fetch(`${service.url}/v1/licenses/${id}`, {
      headers: { authorization: `Bearer ${ownerToken}` },
    });
    expect(await api.json()).toMatchObject({ statusReason: expect.stringMatching(/^split into …/) });
  });

  it('says one connection, and names the account keys move to', async () => {
    const single = await freshKey(1);
    const failover = await cli(['key', 'failover', single.key]);
    expect(failover.stdout).toMatch(new RegExp(`for …${single.hint}: 1 connection until \\d{4}-`));
    const buyer = await freshKey();
    const moved = await cli([
      'key',
      'transfer',
      single.key,
      '--to',
      buyer.email,
      '--requested-by',
      single.email,
    ]);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/^Moved 1 key to acc_\w+:\nID\s+ACCOUNT\s+KEY/);
    expect(rowOf(moved.stdout, single.key)).toMatch(/^lic_\w+\s+acc_\w+\s+/);
  });

  it('refuses at once a request the operation would refuse, and lists the queue with each key, message and decision', async () => {
    const { key, id, hint, ownerToken } = await freshKey();
    const badSplit = await openRequest(ownerToken, {
      type: 'split',
      licenseId: id,
      parts: [3, 3],
      message: 'Two sites.',
    });
    expect([badSplit.status, await badSplit.json()]).toEqual([
      400,
      expect.objectContaining({ code: 'validation_failed' }),
    ]);
    const split = await openRequest(ownerToken, {
      type: 'split',
      licenseId: id,
      parts: [4, 6],
      message: 'Two sites:\nParis and Lyon.',
    });
    expect(split.status).toBe(201);
    const replacement = await openRequest(ownerToken, {
      type: 'replacement',
      licenseId: id,
      message: 'New disk.',
    });
    const [splitId, replacementId] = [
      ((await split.json()) as SupportRequest).id,
      ((await replacement.json()) as SupportRequest).id,
    ];
    const declined = await cli(['request', 'decline', replacementId, '--reason', 'Not needed yet.']);
    expect(declined.stdout).toBe(
      `Declined request ${replacementId} (replacement of …${hint}): Not needed yet.\n`,
    );
    const queue = (await cli(['request', 'list'])).stdout;
    expect(queue.split('\n')[0]).toMatch(/^ID\s+OPENED\s+TYPE\s+KEY\s+BY\s+STATUS\s+MESSAGE\s+DECISION$/);
    expect(rowOf(queue, splitId)).toMatch(
      new RegExp(`split\\s+…${hint}\\s+\\S+@example\\.com\\s+open\\s+Two sites: Paris and Lyon\\.\\s+-$`),
    );
    expect(rowOf(queue, replacementId)).toMatch(/declined\s+New disk\.\s+Not needed yet\.$/);

    const approved = await cli(['request', 'approve', splitId, '--as', staffEmail]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(
      new RegExp(
        `^Approved request ${splitId}: split …${hint} \\(${id}\\) into 2 keys; it is retired\\. The new keys:\\nID\\s+ACCOUNT\\s+KEY`,
      ),
    );
    expect(approved.stdout.match(/([0-9A-Z]{4}-){4}[0-9A-Z]{4}/g)).toHaveLength(2);
    expect((await activate(key, 'split-server')).code).toBe(1);
    const { id: refundedId, hint: refundedHint, ownerToken: refunder } = await freshKey();
    const refundAsked = await openRequest(refunder, {
      type: 'refund',
      licenseId: refundedId,
      message: 'Twice.',
    });
    const refundId = ((await refundAsked.json()) as SupportRequest).id;
    expect((await cli(['request', 'approve', refundId])).stdout).toBe(
      `Approved request ${refundId}: refunded …${refundedHint}; it is revoked and can never be activated.\n`,
    );
    // Activated: a refund is refused when it is asked, with the refund's code.
    const { id: usedId, key: used, ownerToken: usedOwner } = await freshKey();
    expect((await activate(used, 'refund-server')).code).toBe(0);
    const refund = await openRequest(usedOwner, { type: 'refund', licenseId: usedId, message: 'Mistake.' });
    expect([refund.status, await refund.json()]).toEqual([
      409,
      expect.objectContaining({ code: 'license_activated' }),
    ]);
  });

  it('records who acted: --as a staff user, SEATKEEPER_OPERATOR, else the OS user; an unknown one is refused', async () => {
    const { key } = await freshKey();
    const unknown = await cli(['key', 'renew', key, '--as', 'nobody@vendor.example']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('(staff_not_found)')]);
    const badEnv = await cli(['key', 'renew', key], { SEATKEEPER_OPERATOR: 'not-an-email' });
    expect([badEnv.code, badEnv.stderr]).toEqual([2, expect.stringContaining('SEATKEEPER_OPERATOR')]);
    expect((await cli(['key', 'renew', key, '--as', staffEmail.toUpperCase()])).code).toBe(0);
    expect((await cli(['key', 'renew', key], { SEATKEEPER_OPERATOR: staffEmail })).code).toBe(0);
    expect((await cli(['key', 'renew', key])).code).toBe(0);
    expect((await activate(key, 'audited-server')).code).toBe(0);
    const history = (await cli(['audit', '--key', key])).stdout.split('\n');
    const who = (action: string) =>
      history
        .filter((line) => new RegExp(`\\s${action}\\s`).test(line))
        .map((line) => line.split(/\s{2,}/)[1]);
    expect(who('renewed')).toEqual([staffEmail, staffEmail, userInfo().username]);
    expect(who('activated')).toEqual([expect.stringMatching(/^srv_/)]);
    const json = JSON.parse((await cli(['audit', '--key', key, '--json'])).stdout);
    expect(json.entries.map((entry: { action: string }) => entry.action)).toEqual([
      'issued',
      'renewed',
      'renewed',
      'renewed',
      'activated',
    ]);
    expect(json.entries[1].actor).toMatch(/^usr_/);
  });
});
