import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccounts, listMembers } from '../../src/service/accounts/operations.js';
import { listInvoices } from '../../src/service/invoices/operations.js';
import { listLicenses } from '../../src/service/licenses/operations.js';
import { createOrder } from '../../src/service/orders/operations.js';
import type { Mailer, OutgoingMail } from '../../src/service/reminders/mailer.js';
import { ENGINES } from '../support/engines.js';
import { newKey, ownerOf } from '../support/orders.js';
import { value } from '../support/results.js';
import type { FormClient } from '../support/web.js';
import { consoleWorld, STAFF } from './web-console-fixture.js';

const staffPrincipal = { kind: 'staff' as const, userId: 'usr_staff' };

describe.each(ENGINES)('the console’s accounts, billing and records pages (%s)', (engine) => {
  let world: Awaited<ReturnType<typeof consoleWorld>>;
  let staff: FormClient;

  beforeAll(async () => {
    world = await consoleWorld(engine);
    staff = await world.signedIn(STAFF);
  });
  afterAll(() => world.service.close());

  it('creates an account and shows its owner’s invitation link once; a taken email changes nothing', async () => {
    await staff.get('/console/accounts');
    const created = await staff.post('/console/accounts', { email: 'New@Buyer.example', name: 'New Buyer' });
    expect(created.status).toBe(200);
    const link = /value="(http:\/\/[^"]+\/password\/set\?token=[^"]+)"/.exec(created.html)?.[1];
    expect(link).toBeDefined();
    expect(created.html).toContain('No email went out');
    const listed = await staff.get('/console/accounts?email=buyer');
    expect(listed.html).toContain('new@buyer.example');
    expect(listed.html).not.toContain('owner@example.com');
    expect(listed.html).not.toContain('/password/set');
    const before = (await listAccounts(world.ctx)).length;
    const taken = await staff.post('/console/accounts', { email: 'new@buyer.example', name: 'Again' });
    expect(taken.status).toBe(409);
    expect(taken.html).toContain('already exists');
    const bad = await staff.post('/console/accounts', { email: 'not an email', name: 'X' });
    expect(bad.status).toBe(400);
    expect((await listAccounts(world.ctx)).length).toBe(before);
    // The invitation sets the owner's password.
    const invited = await fetch(link ?? '', { headers: { accept: 'text/html' } });
    expect(invited.status).toBe(200);
  });

  it('shows an account’s keys and users, issues a key, refuses bad numbers, makes password links', async () => {
    const path = `/console/accounts/${world.owner.accountId}`;
    const page = await staff.get(path);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`…${world.owner.key.key.slice(-4)}`);
    expect(page.html).toContain('owner@example.com');
    for (const form of [
      { connections: '0', years: '1' },
      { connections: 'ten', years: '1' },
      { connections: '10', years: '11' },
    ]) {
      const refused = await staff.post(`${path}/keys`, form);
      expect(refused.status).toBe(400);
    }
    expect(await listLicenses(world.ctx, { accountId: world.owner.accountId })).toHaveLength(1);
    const issued = await staff.post(`${path}/keys`, { connections: '25', years: '2' });
    expect(issued.location).toBe(`${path}?done=issued`);
    const keys = await listLicenses(world.ctx, { accountId: world.owner.accountId });
    expect(keys.map((key) => key.connections).sort()).toEqual([10, 25]);

    const [owner] = value(await listMembers(world.ctx, staffPrincipal, world.owner.accountId));
    await staff.get(path);
    const link = await staff.post(`${path}/users/${owner?.userId}/link`, {});
    expect(link.status).toBe(200);
    expect(link.html).toContain('Password link for owner@example.com');
    // Another account's user is not this account's: nothing is made for them.
    const [stranger] = value(await listMembers(world.ctx, staffPrincipal, world.other.accountId));
    await staff.get(path);
    expect((await staff.post(`${path}/users/${stranger?.userId}/link`, {})).status).toBe(404);
    expect((await staff.get('/console/accounts/acc_01kax5c1x8b2m4n6p8r0s2t4v6')).status).toBe(404);
  });

  it('lists orders newest first by status, marks a wire’s invoice paid and voids another', async () => {
    const owner = ownerOf(world.owner.accountId);
    const wire = () =>
      createOrder(
        world.ctx,
        owner,
        {
          accountId: owner.accountId,
          items: [{ type: 'key', sku: 'key-1y', connections: 100 }],
          paymentMethod: 'bank_wire',
          purchaseOrder: { accountsPayableEmail: 'ap@example.com', endUserAccount: 'owner@example.com' },
        },
        newKey(),
      );
    const first = value(await wire());
    world.clock.advance(60_000);
    const second = value(await wire());
    const orders = await staff.get('/console/orders');
    expect(orders.html.indexOf(second.number)).toBeLessThan(orders.html.indexOf(first.number));
    expect((await staff.get('/console/orders?status=paid')).html).not.toContain(first.number);

    const open = value(await listInvoices(world.ctx, staffPrincipal, { status: 'open' })).invoices;
    const [toPay, toVoid] = [first, second].map((order) => open.find((inv) => inv.id === order.invoiceId));
    const invoices = await staff.get('/console/invoices');
    expect(invoices.html).toContain(`/console/invoices/${toPay?.id}/pay`);
    const paid = await staff.post(`/console/invoices/${toPay?.id}/pay`, {});
    expect(paid.location).toBe('/console/invoices?done=paid');
    await staff.get('/console/invoices');
    const again = await staff.post(`/console/invoices/${toPay?.id}/pay`, {});
    expect(again.status).toBe(409);
    expect(again.html).toContain('cannot be paid again');
    const voided = await staff.post(`/console/invoices/${toVoid?.id}/void`, {});
    expect(voided.location).toBe('/console/invoices?done=voided');
    const after = value(await listInvoices(world.ctx, staffPrincipal, {})).invoices;
    expect(after.find((inv) => inv.id === toPay?.id)?.status).toBe('paid');
    expect(after.find((inv) => inv.id === toVoid?.id)?.status).toBe('void');
    expect((await staff.get('/console/orders?status=paid')).html).toContain(first.number);
    expect((await staff.get('/console/orders?after=nonsense')).status).toBe(400);
  });

  it('shows the catalog, the audit log page by page and by account, and the reminders', async () => {
    const catalog = await staff.get('/console/catalog');
    expect(catalog.html).toMatch(/in force/);
    expect(catalog.html).toContain('key-1y');
    const audit = await staff.get(`/console/audit?account=${encodeURIComponent('owner@example.com')}`);
    expect(audit.status).toBe(200);
    expect(audit.html).toContain('Example Corp');
    expect(audit.html).not.toContain('Other Ltd');
    const next = /href="(\/console\/audit\?[^"]*after=[^"]+)"/.exec(audit.html)?.[1];
    if (next !== undefined) {
      const second = await staff.get(next.replaceAll('&amp;', '&'));
      expect(second.html).toContain('Previous page');
    }
    const unknown = await staff.get('/console/audit?account=nobody%40example.org');
    expect(unknown.status).toBe(404);
    expect(unknown.html).toContain('There is no account nobody@example.org');
    expect((await staff.get('/console/audit?after=aud_bad')).status).toBe(400);
    const reminders = await staff.get('/console/reminders');
    expect(reminders.status).toBe(200);
    expect(reminders.html).toContain('<h2>Due</h2>');
  });
});

describe('a new account’s invitation, when the service sends email', () => {
  const sent: OutgoingMail[] = [];
  const mailer: Mailer = {
    from: 'licenses@vendor.example',
    send: async (mail) => void sent.push(mail),
    close() {},
  };
  let world: Awaited<ReturnType<typeof consoleWorld>>;

  beforeAll(async () => {
    world = await consoleWorld('sqlite', { mailer });
  });
  afterAll(() => world.service.close());

  it('emails the owner the link it shows', async () => {
    const staff = await world.signedIn(STAFF);
    await staff.get('/console/accounts');
    const created = await staff.post('/console/accounts', { email: 'mailed@buyer.example', name: 'Mailed' });
    expect(created.html).toContain('It was also emailed to the user.');
    const link = /value="(http:\/\/[^"]+\/password\/set\?token=[^"]+)"/.exec(created.html)?.[1] ?? '';
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: 'mailed@buyer.example', subject: 'Your Seatkeeper invitation' });
    expect(sent[0]?.text).toContain(link.replaceAll('&amp;', '&'));
  });
});
