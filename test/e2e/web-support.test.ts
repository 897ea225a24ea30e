import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createAccount } from '../../src/service/accounts/operations.js';
import { issueLicense } from '../../src/service/licenses/operations.js';
import { listRequests } from '../../src/service/support/operations.js';
import { DAY } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import { value } from '../support/results.js';
import { FormClient, givePassword } from '../support/web.js';
import { consoleWorld, openedRefund, STAFF } from './web-console-fixture.js';

const MEMBER = 'colleague@example.com';

describe.each(ENGINES)('the customer’s Support pages (%s)', (engine) => {
  let world: Awaited<ReturnType<typeof consoleWorld>>;

  beforeAll(async () => {
    world = await consoleWorld(engine);
    value(await addMember(world.ctx, world.owner.accountId, MEMBER));
    await givePassword(world.ctx, MEMBER);
  });
  afterAll(() => world.service.close());

  const count = async () => (await listRequests(world.ctx, {})).length;

  it('sends an anonymous visitor to sign in and staff to the console', async () => {
    const anonymous = new FormClient(world.service.url);
    for (const path of ['/support', '/support/new'])
      expect((await anonymous.get(path)).location).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
    const staff = await world.signedIn(STAFF);
    expect((await staff.get('/support')).location).toBe('/console');
    value(await createAccount(world.ctx, { email: 'keyless@example.org' }));
    await givePassword(world.ctx, 'keyless@example.org');
    const keyless = await world.signedIn('keyless@example.org');
    expect((await keyless.get('/support/new')).html).toContain('it has none that is not revoked');
  });

  it('shows the refusals of the operation verbatim, and a refused form opens nothing', async () => {
    const owner = await world.signedIn(world.owner.email);
    const old = value(
      await issueLicense(world.ctx, {
        accountId: world.owner.accountId,
        connections: 10,
        purchasedAt: new Date(world.clock.now().getTime() - 40 * DAY),
      }),
    );
    const form = await owner.get('/support/new');
    expect(form.status).toBe(200);
    expect(form.html).toContain(`value="${old.id}"`);
    const late = await owner.post('/support/new', {
      type: 'refund',
      licenseId: old.id,
      message: 'Too late?',
    });
    expect(late.status).toBe(409);
    expect(late.html).toContain(
      `Refunds are given within 30 days of the purchase; this key was bought on ${old.starts.slice(0, 10)}.`,
    );
    expect(late.html).toContain('Too late?');
    for (const [fields, message] of [
      [{ type: 'refund', licenseId: old.id, message: '' }, 'Say what you need and why'],
      [{ type: 'upgrade', licenseId: old.id, message: 'x' }, 'Choose what you need'],
      [{ type: 'refund', licenseId: world.other.key.id, message: 'x' }, 'Choose the license key'],
      [
        { type: 'split', licenseId: world.owner.key.id, message: 'x', parts: '10' },
        'two or more whole numbers',
      ],
    ] as const) {
      const refused = await owner.post('/support/new', fields);
      expect(refused.status, message).toBe(400);
      expect(refused.html).toContain(message);
    }
    expect(await count()).toBe(0);
  });

  it('asks a member who is not the primary holder for the three facts, as the seeds say', async () => {
    const member = await world.signedIn(MEMBER);
    const form = await member.get('/support/new');
    expect(form.html).toContain('The order number issued for that license key');
    const key = world.owner.key;
    const refused = await member.post('/support/new', {
      type: 'refund',
      licenseId: key.id,
      message: 'Mine.',
    });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain(
      'A requester who is not the primary license holder must give the license key in question, the primary license holder&#39;s contact name or email address, the order number issued for that license key.',
    );
    expect(await count()).toBe(0);
    const opened = await member.post('/support/new', {
      type: 'refund',
      licenseId: key.id,
      message: 'Mine.',
      licenseKey: key.key,
      primaryHolder: world.owner.email,
      orderNumber: key.orderNumber ?? '',
    });
    expect(opened.status).toBe(303);
    const page = await member.get(opened.location ?? '');
    expect(page.html).toContain('Request opened: vendor staff will decide it.');
    expect(page.html).toContain('Waiting for vendor staff');
  });

  it('shows a member their own requests and the owner all of the account’s, never another account’s', async () => {
    const owner = await world.signedIn(world.owner.email);
    const own = await openedRefund(owner, world.owner.key, 'The owner asks too.');
    const other = await world.signedIn(world.other.email);
    const theirs = await openedRefund(other, world.other.key, 'Another account.');
    const member = await world.signedIn(MEMBER);
    const memberList = await member.get('/support');
    expect(memberList.html).toContain('Your requests');
    expect(memberList.html).not.toContain(own);
    expect((await member.get(own)).status).toBe(404);
    const ownerList = await owner.get('/support');
    expect(ownerList.html).toContain(own);
    expect(ownerList.html).toContain(MEMBER);
    expect(ownerList.html).not.toContain(theirs);
    expect((await owner.get(theirs)).status).toBe(404);
  });

  it('points an account with no key in its support term to the community, as the seeds say', async () => {
    world.clock.advance(400 * DAY);
    const owner = await world.signedIn(world.owner.email);
    const before = await count();
    await owner.get('/support/new');
    const refused = await owner.post('/support/new', {
      type: 'replacement',
      licenseId: world.owner.key.id,
      message: 'Please.',
    });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain(
      'Support requests are for accounts with at least one license key in an active support/upgrade term; without one, please ask the community forum for help instead.',
    );
    expect(await count()).toBe(before);
  });
});
