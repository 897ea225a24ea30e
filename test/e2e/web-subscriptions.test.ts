import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/html/html.js';
import { listOrders } from '../../src/service/orders/order-reads.js';
import { previewOrder } from '../../src/service/orders/preview.js';
import { showSubscription } from '../../src/service/subscriptions/lifecycle.js';
import { ManualClock } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { ownerOf } from '../support/orders.js';
import { type Subscriber, subscriber } from '../support/portal.js';
import { expectRefusal, value } from '../support/results.js';
import { FormClient } from '../support/web.js';

describe.each(ENGINES)('the Subscriptions pages (%s)', (engine) => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let ours: Subscriber;
  let theirs: Subscriber;
  const member = 'member@example.com';

  beforeAll(async () => {
    service = await startInProcessService(clock, engine);
    ours = await subscriber(service.ctx, 'owner@example.com', { tunnels: 60, member });
    theirs = await subscriber(service.ctx, 'other@example.com', { tunnels: 5 });
    clock.advance(9 * 86_400_000);
    await ours.report(60);
  });
  afterAll(() => service.close());

  const signedIn = async (email: string) => {
    const browser = new FormClient(service.url);
    expect((await browser.signIn(email)).status).toBe(303);
    return browser;
  };
  const connections = async () =>
    value(await showSubscription(service.ctx, ownerOf(ours.accountId), ours.sub.id)).connections;
  const orders = async () =>
    value(await listOrders(service.ctx, ownerOf(ours.accountId), { accountId: ours.accountId })).orders
      .length;

  it('lists the account’s subscriptions, the key in full to the owner, with its pool’s servers', async () => {
    const owner = await signedIn(ours.owner);
    const list = await owner.get('/subscriptions');
    expect(list.status).toBe(200);
    expect(list.html).toContain(ours.sub.key);
    expect(list.html).not.toContain(theirs.sub.key);
    expect(list.html).toContain('60 of 100');
    expect(list.html).toContain('paid');
    const one = await owner.get(`/subscriptions/${ours.sub.id}`);
    expect(one.status).toBe(200);
    expect(one.html).toContain('vpn-owner@example.com.example.net');
    expect(one.html).toContain('<span class="figure">60</span> of 100 connections in use');
    expect(one.html).toContain('Edit Subscription');
  });

  it('answers another account’s subscription as unknown, and a member cannot edit', async () => {
    const owner = await signedIn(ours.owner);
    for (const path of [
      `/subscriptions/${theirs.sub.id}`,
      `/subscriptions/${theirs.sub.id}/edit`,
      '/subscriptions/sub_nope',
    ])
      expect((await owner.get(path)).status).toBe(404);
    await owner.get(`/subscriptions/${ours.sub.id}/edit`);
    expect((await owner.post(`/subscriptions/${theirs.sub.id}/edit`, { connections: '150' })).status).toBe(
      404,
    );

    const asMember = await signedIn(member);
    const seen = await asMember.get(`/subscriptions/${ours.sub.id}`);
    expect(seen.status).toBe(200);
    expect(seen.html).not.toContain(ours.sub.key);
    expect(seen.html).not.toContain('Edit Subscription');
    expect((await asMember.get(`/subscriptions/${ours.sub.id}/edit`)).status).toBe(403);
    const before = await orders();
    await asMember.get('/subscriptions');
    const _csrf = asMember.csrf;
    expect((await asMember.post(`/subscriptions/${ours.sub.id}/edit`, { connections: '150' })).status).toBe(
      403,
    );
    expect(
      (
        await asMember.post(`/subscriptions/${ours.sub.id}/change`, {
          _csrf,
          connections: '150',
          idempotency: 'web-00000000-0000-0000-0000-000000000000',
        })
      ).status,
    ).toBe(403);
    expect(await orders()).toBe(before);
  });

  it('refuses a bad number of connections and a scale-down below the tunnels in use, changing nothing', async () => {
    const owner = await signedIn(ours.owner);
    const before = await orders();
    for (const typed of ['', 'abc', '0', '-5', '1.5', '99999999999']) {
      await owner.get(`/subscriptions/${ours.sub.id}/edit`);
      const refused = await owner.post(`/subscriptions/${ours.sub.id}/edit`, { connections: typed });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('role="alert"');
    }
    const same = await owner.post(`/subscriptions/${ours.sub.id}/edit`, { connections: '100' });
    expect(same.status).toBe(400);
    expect(same.html).toContain('has 100 connections already');
    // The operation's refusal, word for word.
    const refusal = expectRefusal(
      await previewOrder(service.ctx, ownerOf(ours.accountId), {
        accountId: ours.accountId,
        items: [{ type: 'subscription_change', subscriptionId: ours.sub.id, connections: 50 }],
      }),
      'subscription_in_use',
    );
    const inUse = await owner.post(`/subscriptions/${ours.sub.id}/edit`, { connections: '50' });
    expect(inUse.status).toBe(409);
    expect(inUse.html).toContain(escapeHtml(refusal.detail));
    const ordered = await owner.post(`/subscriptions/${ours.sub.id}/change`, {
      connections: '50',
      idempotency: 'web-00000000-0000-0000-0000-000000000001',
    });
    expect(ordered.status).toBe(409);
    const badKey = await owner.post(`/subscriptions/${ours.sub.id}/change`, {
      connections: '150',
      idempotency: 'x',
    });
    expect(badKey.status).toBe(400);
    expect(await orders()).toBe(before);
    expect(await connections()).toBe(100);
  });

  it('shows the proration before ordering, then orders the change once and goes to the order', async () => {
    const owner = await signedIn(ours.owner);
    const before = await orders();
    await owner.get(`/subscriptions/${ours.sub.id}/edit`);
    const priced = await owner.post(`/subscriptions/${ours.sub.id}/edit`, { connections: '150' });
    expect(priced.status).toBe(200);
    // Day 10 of a 31-day period: 21 days remain, each line says its day count and formula.
    expect(priced.html).toMatch(
      /Unused time on 100 connections, 21 of 31 days \(2027-03-11 to 2027-03-31\): \$[\d,.]+ × 21\/31/,
    );
    expect(priced.html).toMatch(/Remaining time on 150 connections, 21 of 31 days/);
    expect(priced.html).toContain('Total due');
    expect(await orders()).toBe(before);
    const idempotency = /name="idempotency" value="([^"]+)"/.exec(priced.html)?.[1] ?? '';
    const _csrf = owner.csrf;
    const ordered = await owner.post(`/subscriptions/${ours.sub.id}/change`, {
      connections: '150',
      idempotency,
    });
    expect(ordered.status).toBe(303);
    expect(ordered.location).toMatch(/^\/orders\/ord_/);
    // Sent twice (a double click, a reload): the same order.
    const again = await owner.post(`/subscriptions/${ours.sub.id}/change`, {
      _csrf,
      connections: '150',
      idempotency,
    });
    expect(again.location).toBe(ordered.location);
    expect(await orders()).toBe(before + 1);
    // Not paid yet: still 100.
    expect(await connections()).toBe(100);
  });

  // Last: it moves the clock past the period's end.
  it('says a subscription whose renewal is unpaid is in grace, and until when', async () => {
    clock.set('2027-04-03T09:00:00Z');
    const owner = await signedIn(ours.owner);
    const list = await owner.get('/subscriptions');
    expect(list.html).toContain('in grace');
    expect(list.html).toContain('unpaid: works until 2027-04-15');
    const one = await owner.get(`/subscriptions/${ours.sub.id}`);
    expect(one.html).toContain('unpaid: works until 2027-04-15');
  });
});
