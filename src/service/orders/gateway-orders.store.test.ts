import { beforeEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../../../test/support/engines.js';
import { accountWithKey } from '../../../test/support/factories.js';
import { buyerFixture, newKey, type Owner, order, ownerOf, pay } from '../../../test/support/orders.js';
import { value } from '../../../test/support/results.js';
import type { OrderItem } from '../../domain/order.js';
import type { ServiceContext } from '../context.js';
import { previewKey, showGatewayKey } from '../gateways/keys.js';
import { TEST_CARDS } from '../payments/test-provider.js';
import { completeTestPayment, payOrder } from './checkout.js';
import { createOrder, createQuote } from './operations.js';

const gatewayLicenses = (sku: string, quantity: number): OrderItem[] => [
  { type: 'gateway_license', sku, quantity },
];

/** The gateway keys that carry an order's number. */
const gatewayKeysOf = async (ctx: ServiceContext, orderNumber: string) =>
  ctx.store.db
    .selectFrom('gateway_keys')
    .select(['id', 'account_id', 'sku', 'quantity'])
    .where('order_number', '=', orderNumber)
    .execute();

describe.each(ENGINES)('%s: gateway licenses bought through orders', (engine) => {
  const buyer = buyerFixture(engine);
  let ctx: ServiceContext;
  let owner: Owner;
  let accountId: string;
  beforeEach(() => {
    ({ ctx, owner, accountId } = buyer);
  });

  it('quotes 2 × SPC-1YR-LIC per VPN user and, once paid, issues one key of 2 licenses with the order’s number', async () => {
    const quote = value(
      await createQuote(ctx, owner, { accountId, items: gatewayLicenses('SPC-1YR-LIC', 2) }),
    );
    expect(quote).toMatchObject({ status: 'quote', connections: 40, subtotal: 240_00, total: 240_00 });
    expect(quote.lines).toEqual([
      {
        item: 0,
        description:
          'SecuPoint VPN Client, 1 year: 2 × SPC-1YR-LIC (20 VPN users each, 1 year), 40 users × $6.00',
        quantity: 40,
        unitAmount: 6_00,
        amount: 240_00,
      },
    ]);
    expect(quote.paymentMethods).toEqual(['card', 'paypal']);
    const placed = value(
      await createOrder(ctx, owner, { quoteId: quote.id, paymentMethod: 'card' }, newKey()),
    );
    const paid = await pay(ctx, owner, placed);
    expect(paid.status).toBe('paid');
    const [listed, ...more] = paid.fulfilment?.gatewayKeys ?? [];
    expect(more).toEqual([]);
    expect(listed).toMatchObject({ item: 0, sku: 'SPC-1YR-LIC', quantity: 2 });
    expect(paid.fulfilment).toMatchObject({ issuedLicenseIds: [], subscriptionIds: [] });
    expect(await gatewayKeysOf(ctx, placed.number)).toEqual([
      { id: listed?.id, account_id: accountId, sku: 'SPC-1YR-LIC', quantity: 2 },
    ]);

    // The owner reads the key itself; it previews as the order's key.
    const shown = value(await showGatewayKey(ctx, owner, listed?.id ?? ''));
    expect(shown.key.endsWith(listed?.keyHint ?? '?')).toBe(true);
    expect(value(await previewKey(ctx, owner, shown.key))).toMatchObject({
      sku: 'SPC-1YR-LIC',
      quantity: 2,
      totalUsers: 40,
      addedTo: null,
    });
    // Another account's owner, and a member, find no such key.
    const stranger = ownerOf((await accountWithKey(ctx)).license.accountId);
    const member = { ...owner, userId: 'usr_member', role: 'member' as const };
    for (const principal of [stranger, member]) {
      const refused = await showGatewayKey(ctx, principal, listed?.id ?? '');
      expect(refused.ok || refused.error.code).toBe('license_key_not_found');
    }
  });

  it('refuses an unknown model and a key of no licenses, with stable codes', async () => {
    const unknown = await createQuote(ctx, owner, { accountId, items: gatewayLicenses('AP-1YR-LIC', 4) });
    expect(unknown.ok || unknown.error).toMatchObject({ code: 'product_not_found', field: 'items/0' });
    const ordered = await order(ctx, owner, gatewayLicenses('SPC-9YR-LIC', 1));
    expect(ordered.ok || ordered.error.code).toBe('product_not_found');
    const empty = await order(ctx, owner, gatewayLicenses('SPC-1YR-LIC', 0));
    expect(empty.ok || empty.error).toMatchObject({ code: 'validation_failed', field: 'items/0/quantity' });
    const rows = await ctx.store.db
      .selectFrom('orders')
      .select('id')
      .where('account_id', '=', accountId)
      .execute();
    expect(rows).toEqual([]);
  });

  it('sells one Pro license by card, and ten SPC-3YR-LIC (100 users) by bank wire', async () => {
    const pro = value(await order(ctx, owner, gatewayLicenses('PRO-1YR-LIC', 1)));
    expect(pro).toMatchObject({ connections: 10, total: 150_00, status: 'open' });
    const paid = await pay(ctx, owner, pro);
    expect(paid.fulfilment?.gatewayKeys).toMatchObject([{ sku: 'PRO-1YR-LIC', quantity: 1 }]);
    // Ten SPC-3YR-LIC are 100 users: enough for a bank wire.
    const wired = value(
      await createOrder(
        ctx,
        owner,
        {
          accountId,
          items: gatewayLicenses('SPC-3YR-LIC', 10),
          paymentMethod: 'bank_wire',
          purchaseOrder: {
            accountsPayableEmail: 'ap@customer.example',
            endUserAccount: 'it@customer.example',
          },
        },
        newKey(),
      ),
    );
    expect(wired).toMatchObject({ connections: 100, status: 'open' });
  });

  it('issues the key once when a pending payment is confirmed several times at once', async () => {
    const placed = value(await order(ctx, owner, gatewayLicenses('SPC-1YR-LIC', 2)));
    const pending = value(
      await payOrder(ctx, owner, placed.id, { paymentToken: TEST_CARDS.threeDSecure }, newKey()),
    );
    expect(pending.status).toBe('pending');
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => completeTestPayment(ctx, owner, pending.id, 'succeeded')),
    );
    const keyIds = new Set<string>();
    for (const answer of answers) {
      const paid = value(answer).order;
      expect(paid.status).toBe('paid');
      for (const key of paid.fulfilment?.gatewayKeys ?? []) keyIds.add(key.id);
    }
    const issued = await gatewayKeysOf(ctx, placed.number);
    expect(issued).toHaveLength(1);
    expect([...keyIds]).toEqual([issued[0]?.id]);
  });
});
