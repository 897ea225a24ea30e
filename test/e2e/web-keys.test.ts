import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createAccount } from '../../src/service/accounts/operations.js';
import { splitLicense, transferLicenses } from '../../src/service/licenses/lifecycle.js';
import { issueLicense } from '../../src/service/licenses/operations.js';
import { refundKey } from '../../src/service/orders/refunds.js';
import { DAY, ManualClock } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import { failoverKeyOf, replacedKey } from '../support/factories.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { order, pay } from '../support/orders.js';
import { value } from '../support/results.js';
import { FormClient, givePassword } from '../support/web.js';

/** The row of the key ending in `hint`, as text. */
function rowOf(html: string, hint: string): string {
  const row = html.split('<tr>').find((part) => part.includes(hint));
  if (row === undefined) throw new Error(`no row for …${hint}`);
  return row.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}

describe.each(ENGINES)('Manage License Keys says what each key is and why (%s)', (engine) => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let owner: FormClient;
  let member: FormClient;
  const hints: Record<string, string> = {};

  beforeAll(async () => {
    service = await startInProcessService(clock, engine);
    const { ctx } = service;
    const accountId = value(await createAccount(ctx, { email: 'owner@example.com' })).account.id;
    value(await addMember(ctx, accountId, 'member@example.com'));
    const other = value(await createAccount(ctx, { email: 'buyer@acquirer.example' })).account.id;
    const issue = async (connections: number, purchasedAt?: Date) =>
      value(
        await issueLicense(ctx, {
          accountId,
          connections,
          ...(purchasedAt === undefined ? {} : { purchasedAt }),
        }),
      );
    const refunded = await issue(11);
    value(await refundKey(ctx, { licenseId: refunded.id, actor: 'usr_staff' }));
    const split = await issue(20);
    const parts = value(await splitLicense(ctx, { licenseId: split.id, parts: [15, 5], actor: 'usr_staff' }));
    const replaced = await issue(12);
    const replacement = await replacedKey(ctx, replaced.id);
    const original = await issue(13);
    const failover = await failoverKeyOf(ctx, original.id);
    const expiring = await issue(14, new Date(clock.now().getTime() - 350 * DAY));
    const expired = await issue(16, new Date(clock.now().getTime() - 400 * DAY));
    const moved = await issue(17);
    value(
      await transferLicenses(ctx, {
        licenseIds: [moved.id],
        toAccountId: other,
        requesterEmail: 'owner@example.com',
        actor: 'usr_staff',
      }),
    );
    Object.assign(hints, {
      refunded: refunded.key.slice(-4),
      split: split.key.slice(-4),
      part: parts.keys[0]?.key.slice(-4) ?? '',
      replaced: replaced.key.slice(-4),
      replacement: replacement.key.slice(-4),
      failover: failover.key.slice(-4),
      original: original.key.slice(-4),
      expiring: expiring.key.slice(-4),
      expired: expired.key.slice(-4),
      moved: moved.key.slice(-4),
    });
    const ownerId = await givePassword(ctx, 'owner@example.com');
    await givePassword(ctx, 'member@example.com');
    const buyer = { kind: 'account' as const, userId: ownerId, accountId, role: 'owner' as const };
    const bought = await pay(
      ctx,
      buyer,
      value(await order(ctx, buyer, [{ type: 'key', sku: 'key-1y', connections: 10 }])),
    );
    Object.assign(hints, { boughtOrder: bought.number, boughtInvoice: bought.invoiceId ?? '' });
    owner = new FormClient(service.url);
    await owner.signIn('owner@example.com');
    member = new FormClient(service.url);
    await member.signIn('member@example.com');
  });
  afterAll(() => service.close());

  it('names the status and its reason: refunded, split, replaced by its successor, failover, expiring, expired, transferred', async () => {
    const { html } = await owner.get('/keys');
    expect(rowOf(html, hints.refunded ?? '')).toMatch(/revoked refunded/);
    expect(rowOf(html, hints.split ?? '')).toMatch(/revoked split into …\w{4}, …\w{4}/);
    expect(rowOf(html, hints.split ?? '')).toContain(`…${hints.part}`);
    expect(rowOf(html, hints.replaced ?? '')).toMatch(
      new RegExp(`replaced by …${hints.replacement}, stops at`),
    );
    expect(rowOf(html, hints.failover ?? '')).toMatch(new RegExp(`failover for …${hints.original}`));
    expect(rowOf(html, hints.expiring ?? '')).toMatch(/expiring/);
    expect(rowOf(html, hints.expired ?? '')).toMatch(/expired/);
    expect(rowOf(html, hints.moved ?? '')).toMatch(/revoked transferred to buyer@acquirer\.example/);
  });

  it('shows the order numbers and the renewal to the owner only', async () => {
    const mine = await owner.get('/keys');
    expect(mine.html).toMatch(/<th scope="col">Order<\/th>/);
    expect(mine.html).toContain('Renew a License Key');
    const theirs = await member.get('/keys');
    expect(theirs.status).toBe(200);
    expect(theirs.html).not.toMatch(/<th scope="col">Order<\/th>/);
    expect(theirs.html).not.toMatch(/SO-[0-9A-Z]{8}/);
    expect(theirs.html).not.toContain('Renew a License Key');
  });

  it('prints the invoice of a key’s order from its row', async () => {
    const { html } = await owner.get('/keys');
    const link = new RegExp(`href="(/invoices\\?order=${hints.boughtOrder})"`).exec(html)?.[1] ?? '';
    expect(link).not.toBe('');
    const invoices = await owner.get(link.replace('&amp;', '&'));
    expect(invoices.status).toBe(200);
    expect(invoices.html).toContain(`href="/invoices/${hints.boughtInvoice}"`);
    expect(invoices.html.match(/Print Invoice<\/a>/g)?.length).toBe(1);
  });
});
