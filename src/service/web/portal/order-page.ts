import { randomBytes } from 'node:crypto';
import type { Invoice } from '../../../contract/invoices.js';
import type { Order } from '../../../contract/orders.js';
import { formatAmount } from '../../../domain/money.js';
import { NET_TERMS_DAYS, OFFLINE_METHODS } from '../../../domain/purchase-rules.js';
import { formatRate } from '../../../domain/tax.js';
import { formError } from '../../../html/document.js';
import { csrfInput } from '../../../html/forms.js';
import { type Html, html } from '../../../html/html.js';
import { listPriceBooks } from '../../catalog/operations.js';
import type { ServiceContext } from '../../context.js';
import { invoiceFor } from '../../invoices/operations.js';
import { DECLINED_NEXT_STEP } from '../../orders/views.js';
import { TEST_CARDS } from '../../payments/test-provider.js';
import { page } from '../layout.js';
import { badge, day, type Tone, table } from '../parts.js';
import type { Customer } from '../visitor.js';

/** The order page: what an order or a quote buys, at the prices it keeps, and how to pay it. */

export const price = (amount: number, order: Pick<Order, 'currency'>): string =>
  formatAmount(amount, order.currency);

const STATUS_TONE: Record<Order['status'], Tone> = {
  quote: 'plain',
  open: 'warn',
  paid: 'ok',
  canceled: 'bad',
};

export const orderStatusBadge = (order: Order): Html => badge(order.status, STATUS_TONE[order.status]);

/** One form submission's own idempotency key: sending the same form twice pays once. */
export const newAttempt = (): string => randomBytes(16).toString('base64url');

/** An order that renews keys only: once paid, the customer goes back to the keys it renewed. */
export const renewsOnly = (order: Order): boolean => order.items.every((item) => item.type === 'renewal');

const years = (count: number) => `${count} year${count === 1 ? '' : 's'}`;

/** The term or period each item buys, from the item and the price book the order was priced with. */
async function termsOf(ctx: ServiceContext, order: Order): Promise<string[]> {
  const book = (await listPriceBooks(ctx)).find((stored) => stored.version === order.priceBookVersion);
  return order.items.map((item) => {
    if (item.type === 'renewal') return `${years(item.years)} more`;
    if (item.type === 'subscription_renewal') return 'the next period';
    if (item.type === 'subscription_change') return 'the rest of the period';
    const product = book?.products.find((known) => known.sku === item.sku);
    if (product === undefined) return '—';
    if (product.kind === 'subscription') return product.period === 'monthly' ? 'monthly' : 'yearly';
    return `${years(product.termYears)} from payment`;
  });
}

/** What the page says beyond the order itself: a refusal, a declined payment, an outcome. */
export interface OrderPageState {
  error?: string | undefined;
  declined?: string | undefined;
  notice?: string | undefined;
}

export interface OrderPageData {
  order: Order;
  invoice: Invoice | undefined;
  terms: string[];
}

export async function loadOrderPage(
  ctx: ServiceContext,
  customer: Customer,
  order: Order,
): Promise<OrderPageData> {
  const invoice =
    order.invoiceId === null ? undefined : await invoiceFor(ctx, customer.principal, order.invoiceId);
  return { order, invoice: invoice?.ok ? invoice.value : undefined, terms: await termsOf(ctx, order) };
}

function lines({ order, terms }: OrderPageData): Html {
  return table({
    caption: `${order.connections} connections, priced with the price book ${order.priceBookVersion}`,
    head: ['What', 'Connections', 'Term', 'Unit price', 'Amount'],
    numeric: [1, 3, 4],
    rows: order.lines.map(
      (line) => html`<tr><td>${line.description}</td><td class="number">${line.quantity}</td>
<td>${terms[line.item] ?? '—'}</td><td class="number">${price(line.unitAmount, order)}</td>
<td class="number">${price(line.amount, order)}</td></tr>`,
    ),
    empty: 'This order has no lines.',
  });
}

function facts({ order, invoice }: OrderPageData): Html {
  const purchase = order.purchaseOrder;
  return html`<dl class="facts">
<dt>Status</dt><dd>${orderStatusBadge(order)}</dd>
<dt>Subtotal</dt><dd>${price(order.subtotal, order)}</dd>
<dt>Tax (${formatRate(order.taxRate)})</dt><dd>${price(order.tax, order)}</dd>
<dt>Total</dt><dd><strong>${price(order.total, order)}</strong></dd>
${order.status === 'quote' ? html`<dt>Valid until</dt><dd>${day(order.expiresAt)}</dd>` : ''}
${order.paymentMethod === null ? '' : html`<dt>Payment</dt><dd>${order.paymentMethod.replace('_', ' ')}</dd>`}
${purchase === null ? '' : html`<dt>Purchase order</dt><dd>${purchase.reference ?? '—'}</dd><dt>Accounts payable</dt><dd>${purchase.accountsPayableEmail}</dd><dt>Licenses for</dt><dd>${purchase.endUserAccount}</dd>`}
${order.paidAt === null ? '' : html`<dt>Paid on</dt><dd>${day(order.paidAt)}</dd>`}
${
  invoice === undefined || invoice.number === null
    ? ''
    : html`<dt>Invoice</dt><dd>${invoice.number} · <a href="/invoices/${invoice.id}">Print Invoice</a></dd>`
}
</dl>`;
}

/** The two online ways to pay; with the built-in test provider, the card numbers it knows. */
function payForms(ctx: ServiceContext, customer: Customer, order: Order): Html {
  const attempt = newAttempt();
  const testing = ctx.payments.name === 'test';
  const hidden = (method: string) =>
    html`${csrfInput(customer.csrf)}<input type="hidden" name="attempt" value="${attempt}"><input type="hidden" name="method" value="${method}">`;
  return html`<h2>Pay ${price(order.total, order)}</h2>
<div class="panel">
<form method="post" action="/orders/${order.id}/pay">
${hidden('card')}
${
  testing
    ? html`<label for="card">Card number</label>
<input id="card" name="card" type="text" inputmode="numeric" autocomplete="cc-number" required aria-describedby="test-cards">
<div id="test-cards" class="hint"><p>Payments go to the built-in <strong>test</strong> payment provider: no money moves. Test card numbers:</p>
<ul><li><code>${TEST_CARDS.approved}</code> approved</li><li><code>${TEST_CARDS.declined}</code> declined</li>
<li><code>${TEST_CARDS.insufficientFunds}</code> insufficient funds</li><li><code>${TEST_CARDS.threeDSecure}</code> asks for 3-D Secure</li></ul></div>`
    : html`<p class="hint">You type the card on the payment provider’s page.</p>`
}
<p class="actions"><button type="submit">Checkout with credit card</button></p>
</form>
<form method="post" action="/orders/${order.id}/pay">
${hidden('paypal')}
<p class="actions"><button type="submit" class="secondary">Pay with PayPal</button></p>
</form>
</div>`;
}

/** An order paid on net terms: the invoice is what accounts payable pays. */
function netTerms({ order, invoice }: OrderPageData): Html {
  if (
    order.status !== 'open' ||
    order.paymentMethod === null ||
    !OFFLINE_METHODS.includes(order.paymentMethod)
  )
    return html``;
  return html`<div class="panel"><h2>Net ${NET_TERMS_DAYS}</h2>
<p>Pay the invoice${invoice?.number === null || invoice === undefined ? '' : html` ${invoice.number}`} by bank wire or ACH within ${NET_TERMS_DAYS} days${invoice?.dueAt ? html`, by ${day(invoice.dueAt)}` : ''}: the bank details are printed on it. The keys are issued when the payment arrives.</p></div>`;
}

export function orderPage(
  ctx: ServiceContext,
  customer: Customer,
  data: OrderPageData,
  state: OrderPageState = {},
): Html {
  const { order } = data;
  const expired =
    order.status === 'quote' && new Date(order.expiresAt).getTime() <= ctx.clock.now().getTime();
  const payable =
    !expired &&
    (order.status === 'quote' || order.status === 'open') &&
    (order.paymentMethod === null || !OFFLINE_METHODS.includes(order.paymentMethod)) &&
    order.paymentMethods.includes('card');
  const what = order.status === 'quote' ? 'Quote' : 'Order';
  return page({
    title: `${what} ${order.number}`,
    visitor: customer,
    section: '/keys',
    notice: state.notice,
    body: html`<h1>${what} ${order.number}</h1>
${formError(state.error)}
${
  state.declined === undefined
    ? ''
    : html`<div class="error" role="alert"><p><strong>The payment was declined:</strong> ${state.declined}</p>
<p>${DECLINED_NEXT_STEP}</p><p>Try PayPal, or <a href="/support/new">open a support request</a>.</p></div>`
}
${lines(data)}
<div class="panel">${facts(data)}</div>
${netTerms(data)}
${
  expired
    ? html`<p class="panel">This quote expired on ${day(order.expiresAt)}: its prices are no longer offered. <a href="${renewsOnly(order) ? '/keys' : '/buy'}">Ask for a new quote</a>.</p>`
    : ''
}
${payable ? payForms(ctx, customer, order) : ''}
<p class="actions"><a href="/orders">All orders</a> <a href="/keys">Manage License Keys</a></p>`,
  });
}

/** A payment waiting for the customer's bank (3-D Secure): the test provider completes it here. */
export function pendingPage(
  ctx: ServiceContext,
  customer: Customer,
  order: Order,
  payment: { id: string; actionUrl: string | null },
): Html {
  return page({
    title: 'Confirm the payment',
    visitor: customer,
    section: '/keys',
    body: html`<h1>Confirm the payment</h1>
<div class="panel"><p>The payment of ${price(order.total, order)} for the order ${order.number} waits for you to confirm it${
      ctx.payments.name === 'test' ? ' with your bank (3-D Secure)' : ' on the payment provider’s page'
    }.</p>
${
  ctx.payments.name === 'test'
    ? html`<p class="hint">This is the built-in test payment provider: this page stands in for your bank’s.</p>
<form method="post" action="/payments/${payment.id}/complete">
${csrfInput(customer.csrf)}
<p class="actions"><button type="submit" name="outcome" value="succeeded">Complete 3-D Secure</button>
<button type="submit" name="outcome" value="declined" class="secondary">Fail 3-D Secure</button></p>
</form>`
    : payment.actionUrl === null
      ? html`<p>Follow the payment provider’s instructions, then open the order again.</p>`
      : html`<p class="actions"><a class="button" href="${payment.actionUrl}">Continue to the payment page</a></p>`
}
<p><a href="/orders/${order.id}">Back to the order</a></p></div>`,
  });
}
