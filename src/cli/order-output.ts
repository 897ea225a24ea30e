import type { Order, Payment } from '../contract/orders.js';
import { formatAmount } from '../domain/money.js';
import { OFFLINE_METHODS, ONLINE_MINIMUM_REASON } from '../domain/purchase-rules.js';
import { formatRate } from '../domain/tax.js';
import { plural } from '../domain/text.js';
import type { ServiceContext } from '../service/context.js';
import { findGatewayKey, type IssuedKeyView } from '../service/gateways/keys.js';
import { invoiceFor } from '../service/invoices/operations.js';
import type { InvoiceView } from '../service/invoices/views.js';
import { findLicense, type LicenseView } from '../service/licenses/operations.js';
import { listSubscriptions, type SubscriptionView } from '../service/subscriptions/lifecycle.js';
import { print, table } from './output.js';
import { READER } from './store-access.js';

/** How the order commands print quotes, orders, payments and what a payment made. */

export function printLines(order: Order): void {
  print(
    table(
      ['DESCRIPTION', 'QUANTITY', 'UNIT', 'AMOUNT'],
      order.lines.map((line) => [
        line.description,
        String(line.quantity),
        formatAmount(line.unitAmount, order.currency),
        formatAmount(line.amount, order.currency),
      ]),
    ),
  );
  print();
  print(`Subtotal  ${formatAmount(order.subtotal, order.currency)}`);
  print(`Tax       ${formatAmount(order.tax, order.currency)} (${formatRate(order.taxRate)})`);
  print(`Total     ${formatAmount(order.total, order.currency)}`);
}

export function printQuote(quote: Order): void {
  print(`Quote ${quote.id} for ${quote.accountId}, price book ${quote.priceBookVersion}`);
  print();
  printLines(quote);
  print();
  if (quote.paymentMethods.length === 0) {
    print(`Payment methods: none. ${ONLINE_MINIMUM_REASON}`);
    return;
  }
  print(`Payment methods: ${quote.paymentMethods.join(', ')}`);
  print(`Valid until ${quote.expiresAt.slice(0, 10)} at these prices.`);
  print(`Place it: seatkeeper order create --quote ${quote.id} --method ${quote.paymentMethods[0]}`);
}

/** What paying made: the keys it issued (each key alone on its line, first), subscriptions, renewals. */
export interface Made {
  issued: LicenseView[];
  renewed: LicenseView[];
  subscriptions: SubscriptionView[];
  gatewayKeys: IssuedKeyView[];
}

export async function madeBy(ctx: ServiceContext, order: Order): Promise<Made> {
  const made: Made = { issued: [], renewed: [], subscriptions: [], gatewayKeys: [] };
  if (order.fulfilment === null) return made;
  const licenses = async (ids: string[]) =>
    (await Promise.all(ids.map((id) => findLicense(ctx, id)))).filter(
      (license): license is LicenseView => license !== undefined,
    );
  const { issuedLicenseIds, renewedLicenseIds, subscriptionIds, gatewayKeys } = order.fulfilment;
  made.gatewayKeys = (await Promise.all(gatewayKeys.map((key) => findGatewayKey(ctx, key.id)))).filter(
    (key): key is IssuedKeyView => key !== undefined,
  );
  made.issued = await licenses(issuedLicenseIds);
  made.renewed = await licenses(renewedLicenseIds);
  if (subscriptionIds.length > 0)
    made.subscriptions = (await listSubscriptions(ctx, { accountId: order.accountId })).filter((s) =>
      subscriptionIds.includes(s.id),
    );
  return made;
}

export function printMade(made: Made): void {
  for (const key of made.issued)
    print(
      `${key.key}\n${plural(key.connections, 'connection')}, ${plural(key.termYears, 'year')}, support term until ${key.ends.slice(0, 10)} (${key.id}).`,
    );
  for (const key of made.gatewayKeys)
    print(`${key.key}\nGateway license key: ${key.preview.summary}, to add to an organization (${key.id}).`);
  for (const s of made.subscriptions)
    print(
      `${s.key}\n${plural(s.connections, 'connection')}, ${s.period}, period ends ${s.periodEnds.slice(0, 10)} (${s.id}).`,
    );
  for (const key of made.renewed)
    print(`Renewed …${key.key.slice(-4)} (${key.id}): support term until ${key.ends.slice(0, 10)}.`);
}

export async function invoiceOf(ctx: ServiceContext, order: Order): Promise<InvoiceView | undefined> {
  if (order.invoiceId === null) return undefined;
  const found = await invoiceFor(ctx, READER, order.invoiceId);
  return found.ok ? found.value : undefined;
}

/** What to do next with a placed order: pay it online, or wait for the net-terms payment. */
export function nextStep(order: Order, invoice: InvoiceView | undefined): string {
  const method = order.paymentMethod;
  if (method !== null && OFFLINE_METHODS.includes(method) && invoice !== undefined)
    return `Net 30: the invoice ${invoice.number} is due on ${invoice.dueAt?.slice(0, 10)}; once the payment arrives, staff mark it paid with \`seatkeeper invoice pay ${invoice.id}\`.`;
  return `Next: pay it with \`seatkeeper order pay ${order.id}${method === 'paypal' ? ' --method paypal' : ''}\`.`;
}

export function printOrder(order: Order, invoice: InvoiceView | undefined): void {
  print(
    `Order ${order.number} (${order.id}): ${order.status}${order.paymentMethod === null ? '' : `, ${order.paymentMethod}`}`,
  );
  print(
    `Account ${order.accountId}, price book ${order.priceBookVersion}, created ${order.createdAt.slice(0, 10)}`,
  );
  if (invoice !== undefined)
    print(`Invoice ${invoice.number ?? invoice.id} (${invoice.id}): ${invoice.status}`);
  if (order.purchaseOrder !== null) {
    const po = order.purchaseOrder;
    print(
      `Purchase order${po.reference === undefined ? '' : ` ${po.reference}`}: accounts payable ${po.accountsPayableEmail}, end user ${po.endUserAccount}`,
    );
  }
  print();
  printLines(order);
}

/** `pay`'s answer: the keys when paid, the reason and the advice when declined, where to go when pending. */
export function printPayment(payment: Payment, made: Made, publicUrl: string | undefined): void {
  if (payment.status === 'succeeded') {
    printMade(made);
    print(`Order ${payment.order.number} is paid: ${formatAmount(payment.amount, payment.currency)}.`);
  } else if (payment.status === 'pending') {
    const url = payment.actionUrl ?? '';
    const absolute = url.startsWith('/') ? `${publicUrl ?? ''}${url}` : url;
    print(`Payment ${payment.id} is pending: the customer completes it at ${absolute}`);
    if (url.endsWith('/test-completion'))
      print(
        `With the test provider, the account's owner completes it with POST ${url} and the body {"outcome": "succeeded"} (or "declined").`,
      );
  }
}
