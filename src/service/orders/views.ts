import type { Order, Payment } from '../../contract/orders.js';
import type { OrderItem, OrderLine } from '../../domain/order.js';
import { paymentMethodsFor } from '../../domain/purchase-rules.js';
import type { OrderRow, PaymentRow } from '../store/schema.js';

/** What paying for an order made. */
export type Fulfilment = NonNullable<Order['fulfilment']>;

const instant = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const orderItems = (row: OrderRow): OrderItem[] => JSON.parse(row.items);

/** An order paid before gateway keys were sold recorded none. */
function fulfilmentOf(json: string): Fulfilment {
  const stored = JSON.parse(json) as Omit<Fulfilment, 'gatewayKeys'> & Partial<Fulfilment>;
  return { ...stored, gatewayKeys: stored.gatewayKeys ?? [] };
}

export function orderView(row: OrderRow): Order {
  return {
    id: row.id,
    number: row.number,
    accountId: row.account_id,
    status: row.status,
    paymentMethod: row.payment_method,
    paymentMethods: paymentMethodsFor(row.connections),
    priceBookVersion: row.price_book_version,
    currency: row.currency,
    items: orderItems(row),
    lines: JSON.parse(row.lines) as OrderLine[],
    connections: row.connections,
    subtotal: row.subtotal,
    taxRate: row.tax_rate,
    tax: row.tax,
    total: row.total,
    purchaseOrder: row.purchase_order === null ? null : JSON.parse(row.purchase_order),
    invoiceId: row.invoice_id,
    fulfilment: row.fulfilment === null ? null : fulfilmentOf(row.fulfilment),
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
    placedAt: instant(row.placed_at),
    paidAt: instant(row.paid_at),
    canceledAt: instant(row.canceled_at),
  };
}

/** The seeds' advice when an online payment fails. */
export const DECLINED_NEXT_STEP =
  'If you’re having issues submitting a payment, try switching to PayPal. If you are still encountering issues, please submit a support ticket and we will be happy to assist you further.';

export const paymentView = (row: PaymentRow, order: OrderRow): Payment => ({
  id: row.id,
  orderId: row.order_id,
  status: row.status,
  method: row.method,
  amount: row.amount,
  currency: row.currency,
  actionUrl: row.status === 'pending' ? row.action_url : null,
  declineReason: row.decline_reason,
  nextStep: row.status === 'declined' ? DECLINED_NEXT_STEP : null,
  order: orderView(order),
});
