import type { Order } from '../../contract/orders.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { billingAccess } from '../invoices/billing-address.js';
import type { OrderRow } from '../store/schema.js';
import { orderById, ordersWhere } from './order-repository.js';
import { orderView } from './views.js';

/** Reading orders: one, or a page of them, as their viewer may see them. */

export const ORDER_PAGE_MAX = 1000;

export const orderNotFound = (id: string, field = 'id') =>
  fail('order_not_found', `There is no order ${id}.`, field);

/** One order, for staff or its account's owner; another account's answers as unknown. */
export async function orderFor(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
): Promise<Result<OrderRow>> {
  const row = await orderById(ctx.store.db, id);
  if (row === undefined || (principal.kind === 'account' && principal.accountId !== row.account_id))
    return orderNotFound(id);
  const access = await billingAccess(ctx.store.db, principal, row.account_id);
  return access.ok ? ok(row) : access;
}

export async function showOrder(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
): Promise<Result<Order>> {
  const found = await orderFor(ctx, principal, id);
  return found.ok ? ok(orderView(found.value)) : found;
}

/** A page of orders, oldest first unless asked newest first: staff any account's, an owner the account's own. */
export async function listOrders(
  ctx: ServiceContext,
  principal: Principal,
  filter: {
    accountId?: string | undefined;
    /** Only orders in this state (the console's filter). */
    status?: Order['status'] | undefined;
    /** Newest first (the console), where the API pages oldest first. */
    newestFirst?: boolean | undefined;
    after?: string | undefined;
    limit?: number | undefined;
  },
): Promise<Result<{ orders: Order[]; next: string | null }>> {
  const accountId = principal.kind === 'staff' ? filter.accountId : (filter.accountId ?? principal.accountId);
  if (accountId !== undefined) {
    const access = await billingAccess(ctx.store.db, principal, accountId, 'accountId');
    if (!access.ok) return access;
  }
  const limit = Math.min(filter.limit ?? ORDER_PAGE_MAX, ORDER_PAGE_MAX);
  const orders = (await ordersWhere(ctx.store.db, { ...filter, accountId, limit })).map(orderView);
  return ok({ orders, next: orders.length === limit ? (orders.at(-1)?.id ?? null) : null });
}
