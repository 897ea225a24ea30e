import { fail, ok, type Result } from '../../domain/errors.js';
import type { OrderItem, OrderLine } from '../../domain/order.js';
import { findProduct } from '../../domain/price-book.js';
import { termFromPurchase } from '../../domain/terms.js';
import { recordAudit } from '../audit/log.js';
import { allPriceBooks } from '../catalog/price-book-repository.js';
import type { ServiceContext } from '../context.js';
import { issueGatewayKeyIn } from '../gateways/keys.js';
import { insertLicenses } from '../licenses/license-repository.js';
import { renewIn } from '../licenses/lifecycle.js';
import { auditedKey, newKeyRow } from '../licenses/operations.js';
import type { Database } from '../store/database.js';
import type { OrderRow } from '../store/schema.js';
import { renewBilledSubscriptionIn, scaleSubscriptionIn } from '../subscriptions/billed-periods.js';
import { createSubscriptionIn } from '../subscriptions/lifecycle.js';
import { type Fulfilment, orderItems } from './views.js';

/**
 * What a paid order makes, in the transaction that records the payment, so that it happens once:
 * new keys whose term starts on the day of payment (the seeds: from the date of purchase, not of
 * activation), renewals of the named keys, new subscriptions (billed every period from then on),
 * changes and renewals of billed ones, gateway license keys (one per item, added to an
 * organization by its owner later). Every key it issues carries the order's number.
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
  const fulfilment: Fulfilment = {
    issuedLicenseIds: [],
    renewedLicenseIds: [],
    subscriptionIds: [],
    gatewayKeys: [],
  };
  const product = (item: OrderItem & { sku: string }) => {
    const found = findProduct(book.book, item.sku);
    if (found === undefined) throw new Error(`${order.id} sells ${item.sku}, which its book lacks`);
    return found;
  };
  const lines = JSON.parse(order.lines) as OrderLine[];
  const linesOf = (index: number) => lines.filter((line) => line.item === index);
  const paid = (subscriptionId: string, index: number) => ({
    subscriptionId,
    lines: linesOf(index),
    pricedAt: order.created_at,
    actor,
  });
  for (const [index, item] of items.entries()) {
    if (item.type === 'subscription_change') {
      const row = await scaleSubscriptionIn(
        tx,
        { ...paid(item.subscriptionId, index), connections: item.connections, book: book.book },
        now,
      );
      fulfilment.subscriptionIds.push(row.id);
    } else if (item.type === 'subscription_renewal') {
      const row = await renewBilledSubscriptionIn(tx, paid(item.subscriptionId, index), now);
      fulfilment.subscriptionIds.push(row.id);
    } else if (item.type === 'key') {
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
    } else if (item.type === 'gateway_license') {
      if (product(item).kind !== 'gateway')
        return fail('product_not_found', `${item.sku} is not a gateway license.`, 'items');
      const issued = await issueGatewayKeyIn(
        tx,
        ctx,
        {
          accountId: order.account_id,
          sku: item.sku,
          quantity: item.quantity,
          orderNumber: order.number,
          actor,
        },
        now,
      );
      if (!issued.ok) return issued;
      const { id, preview } = issued.value;
      fulfilment.gatewayKeys.push({
        id,
        item: index,
        keyHint: preview.keyHint,
        sku: preview.sku,
        quantity: preview.quantity,
      });
    } else {
      const found = product(item);
      if (found.kind !== 'subscription')
        return fail('product_not_found', `${item.sku} is not a subscription.`, 'items');
      const [line] = linesOf(index);
      if (line === undefined) throw new Error(`${order.id} has no line for its item ${index}`);
      const row = await createSubscriptionIn(
        tx,
        ctx,
        {
          accountId: order.account_id,
          connections: item.connections,
          period: found.period,
          actor,
          billing: { unitPrice: line.unitAmount, charged: line.amount },
        },
        now,
      );
      fulfilment.subscriptionIds.push(row.id);
    }
  }
  return ok(fulfilment);
}
