import type { CreateQuote, Order } from '../../contract/orders.js';
import { requestDigest } from '../../domain/canonical-json.js';
import { ok, type Result } from '../../domain/errors.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { billingAccess } from '../invoices/billing-address.js';
import { priceQuote } from './operations.js';
import { orderView } from './views.js';

/**
 * What ordering `items` would cost now, priced exactly as `createOrder` prices them and stored
 * nowhere: the page that changes a subscription shows its proration before anything is ordered.
 */
export async function previewOrder(
  ctx: ServiceContext,
  principal: Principal,
  input: CreateQuote,
): Promise<Result<Order>> {
  const access = await billingAccess(ctx.store.db, principal, input.accountId, 'accountId');
  if (!access.ok) return access;
  const priced = await priceQuote(
    ctx,
    { ...input, actor: principal.userId, digest: requestDigest(input) },
    ctx.clock.now(),
  );
  return priced.ok ? ok(orderView(priced.value.row)) : priced;
}
