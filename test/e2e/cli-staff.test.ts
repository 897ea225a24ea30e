import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SupportRequest } from '../../src/contract/support.js';
import { seatkeeper } from '../support/service-process.js';
import { serviceForCommands } from './cli-fixture.js';

/** The staff's commands: subscriptions and their pools, what keys become, the support request queue. */
describe('the seatkeeper command against a real service process', () => {
  const { dir, data, service, agentCommand, freshKey } = serviceForCommands();

  it('creates a subscription and joins a server to its pool', async () => {
    const { email } = await freshKey();
    const created = await seatkeeper([
      'subscription',
      'create',
      '--account',
      email,
      '--connections',
      '50',
      '--mode',
      'lease',
      '--data',
      data,
    ]);
    expect(created.code).toBe(0);
    const key = created.stdout.split('\n')[0] ?? '';
    expect(key).toMatch(/^sks_/);
    const state = resolve(dir.path, 'cli-pool-server');
    const joined = await agentCommand(['subscribe', key, '--service', service.url, '--state', state]);
    expect(joined.code).toBe(0);
    expect(joined.stdout).toMatch(/^\[0, \d+\]\n/);
    expect(joined.stdout).toContain('(lease): lease');
    const usage = JSON.parse((await agentCommand(['usage', '--json', '--state', state])).stdout);
    expect(usage.subscription).toMatchObject({ mode: 'lease', connections: 50, counting: true });
    expect(usage.licensed).toBe(usage.subscription.lease);
    const listed = JSON.parse(
      (await seatkeeper(['subscription', 'list', '--account', email, '--json', '--data', data])).stdout,
    );
    expect(listed.subscriptions).toEqual([expect.objectContaining({ key, connections: 50, mode: 'lease' })]);
    const id = listed.subscriptions[0].id;
    const renewed = await seatkeeper(['subscription', 'renew', id, '--json', '--data', data]);
    expect(JSON.parse(renewed.stdout).periodEnds > listed.subscriptions[0].periodEnds).toBe(true);
    const unknown = await seatkeeper([
      'subscription',
      'renew',
      'sub_01kax5c1x8b2m4n6p8r0s2t4v6',
      '--data',
      data,
    ]);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('(subscription_not_found)')]);
    const bad = await seatkeeper([
      'subscription',
      'create',
      '--account',
      email,
      '--connections',
      '5',
      '--period',
      'weekly',
      '--data',
      data,
    ]);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringContaining('--period must be one of monthly, yearly'),
    ]);
  });

  it('renews, splits and refunds keys, and prints a key’s history', async () => {
    const { key } = await freshKey();
    const renewed = await seatkeeper(['key', 'renew', key, '--years', '2', '--json', '--data', data]);
    expect(JSON.parse(renewed.stdout).licenses[0]).toMatchObject({ termYears: 3 });
    const split = await seatkeeper(['key', 'split', key, '--into', '4,6', '--json', '--data', data]);
    const parts = JSON.parse(split.stdout).keys as { key: string; connections: number }[];
    expect(parts.map((part) => part.connections)).toEqual([4, 6]);
    // The original is retired: a refund is refused with the stable code, exit 1.
    const refused = await seatkeeper(['key', 'refund', key, '--data', data]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('(license_revoked)')]);
    const refunded = await seatkeeper(['key', 'refund', parts[0]?.key ?? '', '--data', data]);
    expect([refunded.code, refunded.stdout]).toEqual([
      0,
      expect.stringMatching(/^Refunded …\w{4} \(lic_\w+\)/),
    ]);
    const history = await seatkeeper(['audit', '--key', key, '--data', data]);
    // At the command line the OS user acts, unless --as or SEATKEEPER_OPERATOR names a staff user.
    const me = userInfo().username;
    expect(history.stdout).toMatch(new RegExp(`\\s${me}\\s+renewed[\\s\\S]*\\s${me}\\s+split`));
    expect(history.stdout).toContain('termYears: 1 -> 3');
    const json = JSON.parse((await seatkeeper(['audit', '--key', key, '--json', '--data', data])).stdout);
    expect(json.entries.map((entry: { action: string }) => entry.action)).toEqual([
      'issued',
      'renewed',
      'split',
    ]);
    const badSplit = await seatkeeper(['key', 'split', parts[1]?.key ?? '', '--into', '6', '--data', data]);
    expect([badSplit.code, badSplit.stderr]).toEqual([2, expect.stringContaining('--into must list')]);
    const replaced = await seatkeeper(['key', 'replace', parts[1]?.key ?? '', '--data', data]);
    expect(replaced.stdout).toMatch(
      /^([0-9A-Z]{4}-){4}[0-9A-Z]{4}\n…\w{4} is replaced by ([0-9A-Z]{4}-){4}[0-9A-Z]{4} \(lic_\w+\): activate that key on the new machine\. .* stops at \d{4}-/,
    );
    const failover = await seatkeeper([
      'key',
      'failover',
      replaced.stdout.split('\n')[0] ?? '',
      '--json',
      '--data',
      data,
    ]);
    expect(JSON.parse(failover.stdout)).toMatchObject({ kind: 'failover', connections: 6 });
    const mistyped = await seatkeeper(['audit', '--key', 'NOT-A-KEY', '--data', data]);
    expect([mistyped.code, mistyped.stderr]).toEqual([1, expect.stringContaining('(license_key_malformed)')]);
  });

  it('shows staff the queue of support requests and decides them', async () => {
    const { email, key, id: licenseId, ownerToken } = await freshKey();
    const opened = await fetch(`${service.url}/v1/support-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'failover', licenseId, message: 'Standby node.' }),
    });
    expect(opened.status).toBe(201);
    const { id } = (await opened.json()) as SupportRequest;
    const queue = JSON.parse(
      (await seatkeeper(['request', 'list', '--open', '--json', '--data', data])).stdout,
    );
    expect(queue.requests.map((request: { id: string }) => request.id)).toContain(id);
    const approved = await seatkeeper(['request', 'approve', id, '--data', data]);
    expect([approved.code, approved.stdout]).toEqual([
      0,
      expect.stringMatching(
        new RegExp(
          `^Approved request ${id}: failover key ([0-9A-Z]{4}-){4}[0-9A-Z]{4} \\(lic_\\w+\\) for …${key.slice(-4)}: 10 connections until`,
        ),
      ),
    ]);
    const twice = await seatkeeper(['request', 'decline', id, '--reason', 'Too late', '--data', data]);
    expect([twice.code, twice.stderr]).toEqual([1, expect.stringContaining('(request_already_decided)')]);
    const keys = JSON.parse(
      (await seatkeeper(['key', 'list', '--account', email, '--json', '--data', data])).stdout,
    );
    expect(keys.licenses.map((key: { kind: string }) => key.kind).sort()).toEqual(['failover', 'fixed']);
  });
});
