import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequests } from '../../src/service/support/operations.js';
import { ENGINES } from '../support/engines.js';
import { FormClient } from '../support/web.js';
import { CONSOLE_PAGES, consoleWorld, openedRefund, STAFF } from './web-console-fixture.js';

const requestId = (path: string) => path.split('/').at(-1) ?? '';

describe.each(ENGINES)('the staff console over HTTP (%s)', (engine) => {
  let world: Awaited<ReturnType<typeof consoleWorld>>;

  beforeAll(async () => {
    world = await consoleWorld(engine);
  });
  afterAll(() => world.service.close());

  it('sends an anonymous visitor to sign in, and answers a customer 403 on every console page', async () => {
    const anonymous = new FormClient(world.service.url);
    for (const path of CONSOLE_PAGES) {
      const answer = await anonymous.get(path);
      expect(answer.status, path).toBe(303);
      expect(answer.location).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
    }
    const customer = await world.signedIn(world.owner.email);
    for (const path of [...CONSOLE_PAGES, `/console/accounts/${world.owner.accountId}`]) {
      const answer = await customer.get(path);
      expect(answer.status, path).toBe(403);
      expect(answer.html).toContain('Only vendor staff see the console.');
    }
    const staff = await world.signedIn(STAFF);
    for (const path of CONSOLE_PAGES) {
      const answer = await staff.get(path);
      expect(answer.status, path).toBe(200);
      expect(answer.html).toContain(`href="${path}" aria-current="page"`);
    }
  });

  it('queues a customer’s refund; a decline without reason and a customer’s approval change nothing', async () => {
    const customer = await world.signedIn(world.owner.email);
    const path = await openedRefund(customer, world.owner.key);
    const id = requestId(path);
    const staff = await world.signedIn(STAFF);
    const queue = await staff.get('/console');
    expect(queue.html).toContain(`href="/console/requests/${id}"`);
    expect(queue.html).toContain('Bought twice by mistake.');
    expect(queue.html).toContain('primary holder');

    await staff.get(`/console/requests/${id}`);
    const noReason = await staff.post(`/console/requests/${id}/decline`, { reason: '   ' });
    expect(noReason.status).toBe(400);
    expect(noReason.html).toContain('Say why the request is declined: the requester reads it.');
    expect(noReason.html).toContain('name="reason"');

    await customer.get('/support');
    const byCustomer = await customer.post(`/console/requests/${id}/approve`, {});
    expect(byCustomer.status).toBe(403);
    const forged = await staff.post(`/console/requests/${id}/approve`, { _csrf: 'not-the-token' });
    expect(forged.status).toBe(403);
    expect((await listRequests(world.ctx, {})).find((item) => item.id === id)?.status).toBe('open');
  });

  it('answers 404 for an unknown request, to staff and to a customer, and for another account’s request', async () => {
    const staff = await world.signedIn(STAFF);
    const unknown = 'tkt_01kax5c1x8b2m4n6p8r0s2t4v6';
    expect((await staff.get(`/console/requests/${unknown}`)).status).toBe(404);
    for (const [action, form] of [
      ['approve', {}],
      ['decline', { reason: 'No.' }],
    ] as const) {
      await staff.get('/console');
      expect((await staff.post(`/console/requests/${unknown}/${action}`, form)).status).toBe(404);
    }

    const other = await world.signedIn(world.other.email);
    const theirs = await openedRefund(other, world.other.key, 'Not needed.');
    const customer = await world.signedIn(world.owner.email);
    expect((await customer.get(theirs)).status).toBe(404);
    expect((await customer.get(`/support/${unknown}`)).status).toBe(404);
    expect((await customer.get('/support')).html).not.toContain('Not needed.');
  });

  it('approves a refund: the request page shows the outcome once and no forms; a second decision is refused', async () => {
    const customer = await world.signedIn(world.owner.email);
    const keyHint = world.owner.key.key.slice(-4);
    const path = await customer.get('/support').then(() => customer.last?.html ?? '');
    const id = /href="\/support\/(tkt_[^"]+)"/.exec(path)?.[1] ?? '';
    const staff = await world.signedIn(STAFF);
    await staff.get(`/console/requests/${id}`);
    const approved = await staff.post(`/console/requests/${id}/approve`, { note: 'Refunded as asked.' });
    expect(approved.status).toBe(303);
    expect(approved.location).toBe(`/console/requests/${id}?done=approved`);
    const shown = await staff.get(approved.location ?? '');
    expect(shown.html).toContain(`<p class="notice" role="status">Refunded: key …${keyHint} revoked`);
    expect(shown.html).toContain('Staff wrote: Refunded as asked.');
    expect(shown.html).not.toContain('/approve');
    const again = await staff.post(`/console/requests/${id}/decline`, { reason: 'Too late.' });
    expect(again.status).toBe(409);
    expect(again.html).toContain('was already approved');

    const followed = await customer.get(`/support/${id}`);
    expect(followed.html).toContain(`Refunded: key …${keyHint} revoked`);
    const keys = await customer.get('/keys');
    expect(keys.html).toMatch(/revoked/);
    expect(keys.html).toContain('refunded');
  });

  it('declines with a reason the customer reads', async () => {
    const other = await world.signedIn(world.other.email);
    const list = await other.get('/support');
    const id = /href="\/support\/(tkt_[^"]+)"/.exec(list.html)?.[1] ?? '';
    const staff = await world.signedIn(STAFF);
    await staff.get(`/console/requests/${id}`);
    const declined = await staff.post(`/console/requests/${id}/decline`, {
      reason: 'Keys are not refunded <here>.',
    });
    expect(declined.location).toBe(`/console/requests/${id}?done=declined`);
    const page = await other.get(`/support/${id}`);
    expect(page.html).toContain('Declined: Keys are not refunded &lt;here&gt;.');
    expect(page.html).toContain('declined');
  });
});
