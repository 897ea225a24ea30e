import { fail, ok, type Result } from '../../domain/errors.js';
import type { OrderItem } from '../../domain/order.js';
import { findProduct } from '../../domain/price-book.js';
import { termFromPurchase } from '../../domain/terms.js';
import { recordAudit } from '../audit/log.js';
import { allPriceBooks } from '../catalog/price-book-repository.js';
import type { ServiceContext } from '../context.js';
import { insertLicenses } from '../licenses/license-repository.js';
import { renewIn } from '../licenses/lifecycle.js';
import { auditedKey, newKeyRow } from '../licenses/operations.js';
import type { Database } from '../store/database.js';
import type { OrderRow } from '../store/schema.js';
import { createSubscriptionIn } from '../subscriptions/lifecycle.js';
import { type Fulfilment, orderItems } from './views.js';

/**
 * What a paid order makes, in the transaction that records the payment, so that it happens once:
 * new keys whose term starts on the day of payment (the seeds: from the date of purchase, not of
 * activation), renewals of the named keys, new subscriptions. Every key it issues carries the
 * order's number.
 */
export async function fulfilIn(
  tx: Database,
  ctx: ServiceContext,
  order: OrderRow,
  actor: string,
  now: Date,
): Promise<Result<Fulfilment>> {
  const items = orderItems(order);
  const book = (await allPriceBooks(tx)).find((stored) => stored.book.version === order.price_book_version);
  if (book === undefined)
    throw new Error(`the price book ${order.price_book_version} of ${order.id} is gone`);
  const fulfilment: Fulfilment = { issuedLicenseIds: [], renewedLicenseIds: [], subscriptionIds: [] };
  const product = (item: OrderItem & { sku: string }) => {
    const found = findProduct(book.book, item.sku);
    if (found === undefined) throw new Error(`${order.id} sells ${item.sku}, which its book lacks`);
    return found;
  };
  for (const item of items) {
    if (item.type === 'key') {
      const found = product(item);
      if (found.kind !== 'key') return fail('product_not_found', `${item.sku} is not a fixed key.`, 'items');
      const termYears = found.termYears;
      const { row } = newKeyRow(ctx, now, {
        accountId: order.account_id,
        seats: item.connections,
        termYears,
        purchasedAt: now,
        term: termFromPurchase(now, termYears),
        orderNumber: order.number,
      });
      await insertLicenses(tx, row);
      await recordAudit(tx, now, [
        {
          actor,
          accountId: order.account_id,
          entity: 'license',
          entityId: row.id,
          action: 'issued',
          after: auditedKey(row),
        },
      ]);
      fulfilment.issuedLicenseIds.push(row.id);
    } else if (item.type === 'renewal') {
      const renewed = await renewIn(tx, { licenseIds: [item.licenseId], years: item.years, actor }, now);
      if (!renewed.ok) return renewed;
      fulfilment.renewedLicenseIds.push(item.licenseId);
    } else {
      const found = product(item);
      if (found.kind !== 'subscription')
        return fail('product_not_found', `${item.sku} is not a subscription.`, 'items');
      const row = await createSubscriptionIn(
        tx,
        ctx,
        { accountId: order.account_id, connections: item.connections, period: found.period, actor },
        now,
      );
      fulfilment.subscriptionIds.push(row.id);
    }
  }
  return ok(fulfilment);
}
