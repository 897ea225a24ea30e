import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMembers } from '../../src/service/accounts/operations.js';
import type { Mailer, OutgoingMail } from '../../src/service/reminders/mailer.js';
import { ManualClock } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { ownerOf } from '../support/orders.js';
import { type Subscriber, subscriber } from '../support/portal.js';
import { value } from '../support/results.js';
import { FormClient, PASSWORD } from '../support/web.js';

describe.each(ENGINES)('the Members page (%s)', (engine) => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let ours: Subscriber;
  let theirs: Subscriber;
  const member = 'member@example.com';

  beforeAll(async () => {
    service = await startInProcessService(clock, engine);
    ours = await subscriber(service.ctx, 'owner@example.com', { member });
    theirs = await subscriber(service.ctx, 'other@example.com', { member: 'their-member@example.com' });
  });
  afterAll(() => service.close());

  const signedIn = async (email: string) => {
    const browser = new FormClient(service.url);
    expect((await browser.signIn(email)).status).toBe(303);
    return browser;
  };
  const emails = async (accountId: string) =>
    value(await listMembers(service.ctx, ownerOf(accountId), accountId)).map((user) => user.email);

  it('is the owner’s: a member gets 403 and cannot invite or remove', async () => {
    const asMember = await signedIn(member);
    expect((await asMember.get('/members')).status).toBe(403);
    const navigation = await asMember.get('/keys');
    expect(navigation.html).not.toContain('href="/members"');
    const _csrf = asMember.csrf;
    expect((await asMember.post('/members', { _csrf, email: 'new@example.com' })).status).toBe(403);
    const [ownerId] = value(await listMembers(service.ctx, ownerOf(ours.accountId), ours.accountId));
    expect((await asMember.post(`/members/${ownerId?.userId}/remove`, { _csrf })).status).toBe(403);
    expect(await emails(ours.accountId)).toEqual(['owner@example.com', member]);
  });

  it('lists the users with whether they set a password, and refuses bad or taken emails', async () => {
    const owner = await signedIn(ours.owner);
    const list = await owner.get('/members');
    expect(list.status).toBe(200);
    expect(list.html).toContain(member);
    expect(list.html).not.toContain('their-member@example.com');
    for (const [email, status] of [
      ['not an email', 400],
      ['', 400],
      [member, 409],
      ['Owner@Example.com', 409],
    ] as const) {
      const refused = await owner.post('/members', { email });
      expect(refused.status).toBe(status);
      expect(refused.html).toContain('role="alert"');
      expect(refused.html).not.toContain('/password/set?token=');
    }
    expect(await emails(ours.accountId)).toEqual(['owner@example.com', member]);
  });

  it('invites a member with a link shown once that sets their password and signs them in', async () => {
    const owner = await signedIn(ours.owner);
    await owner.get('/members');
    const invited = await owner.post('/members', { email: 'New.Member@Example.com' });
    expect(invited.status).toBe(201);
    expect(invited.html).toContain('new.member@example.com is invited');
    expect(invited.html).toContain('This service sends no email');
    const link = /href="(http:\/\/[^"]+\/password\/set\?token=[^"]+)"/.exec(invited.html)?.[1] ?? '';
    expect(link).not.toBe('');
    // Shown once: the list does not show it again.
    expect((await owner.get('/members')).html).not.toContain('/password/set?token=');
    expect((await owner.get('/members')).html).toContain('not yet: invited');

    const newcomer = new FormClient(service.url);
    const url = new URL(link.replaceAll('&amp;', '&'));
    const form = await newcomer.get(url.pathname + url.search);
    expect(form.status).toBe(200);
    expect(form.html).toContain('Welcome: choose your password');
    const token = url.searchParams.get('token') ?? '';
    const set = await newcomer.post('/password/set', { token, password: PASSWORD, again: PASSWORD });
    expect(set.status).toBe(303);
    const keys = await newcomer.get('/keys');
    expect(keys.status).toBe(200);
    expect(keys.html).not.toContain('href="/invoices"');
    expect((await newcomer.get('/members')).status).toBe(403);
  });

  it('removes a member, never the owner, and treats another account’s user as unknown', async () => {
    const owner = await signedIn(ours.owner);
    const asMember = await signedIn(member);
    const users = value(await listMembers(service.ctx, ownerOf(ours.accountId), ours.accountId));
    const ownerUser = users.find((user) => user.role === 'owner');
    const memberUser = users.find((user) => user.email === member);
    const [, stranger] = value(await listMembers(service.ctx, ownerOf(theirs.accountId), theirs.accountId));
    await owner.get('/members');
    const notOwner = await owner.post(`/members/${ownerUser?.userId}/remove`, {});
    expect(notOwner.status).toBe(409);
    expect(notOwner.html).toContain('its owner cannot be removed');
    expect((await owner.post(`/members/${stranger?.userId}/remove`, {})).status).toBe(404);
    expect((await owner.post('/members/usr_nope/remove', {})).status).toBe(404);
    expect(await emails(theirs.accountId)).toEqual(['other@example.com', 'their-member@example.com']);

    const removed = await owner.post(`/members/${memberUser?.userId}/remove`, {});
    expect(removed.status).toBe(303);
    expect(removed.location).toBe('/members?done=removed');
    expect((await owner.get('/members?done=removed')).html).toContain('The member is removed');
    expect(await emails(ours.accountId)).not.toContain(member);
    // Their session ended with them.
    expect((await asMember.get('/keys')).status).toBe(303);
  });
});

describe('inviting a member on a service that sends email', () => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  const sent: OutgoingMail[] = [];
  const mailer: Mailer = {
    from: 'seatkeeper@vendor.example',
    send: async (mail) => {
      sent.push(mail);
    },
    close: () => undefined,
  };
  let service: InProcessService;

  beforeAll(async () => {
    service = await startInProcessService(clock, 'sqlite', { mailer });
    await subscriber(service.ctx, 'owner@example.com');
  });
  afterAll(() => service.close());

  it('emails the invitation link, the same one the page shows', async () => {
    const owner = new FormClient(service.url);
    await owner.signIn('owner@example.com');
    await owner.get('/members');
    const invited = await owner.post('/members', { email: 'new@example.com' });
    expect(invited.status).toBe(201);
    expect(invited.html).toContain('We emailed them this link');
    const link = /href="(http:\/\/[^"]+\/password\/set\?token=[^"]+)"/.exec(invited.html)?.[1] ?? '';
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      to: 'new@example.com',
      subject: 'You are invited to a Seatkeeper account',
    });
    expect(sent[0]?.text).toContain(link.replaceAll('&amp;', '&'));
    expect(sent[0]?.text).toContain('owner@example.com invited you');
  });
});
