import { fail, ok, type Result } from './errors.js';
import { priceGatewayLicenses } from './gateway-pricing.js';
import type { KeyFacts } from './key-lifecycle.js';
import { type Money, money } from './money.js';
import { currentBook, findProduct, type PriceBook, type PricedLine, priceLine } from './price-book.js';
import { quoteRenewal } from './renewal.js';
import { type BillableSubscription, priceChange, priceRenewal } from './subscription-billing.js';
import { type InvoiceTotals, invoiceTotals } from './tax.js';
import { isoDate } from './terms.js';

/**
 * What one order buys, priced: new fixed keys, renewals of keys the account has (several in one
 * order), new subscriptions, gateway license keys (one model × a quantity each). Every line is priced with the book in force when the order is made
 * (a renewal too: "your renewal cost is based on Access Server's current market price and the
 * number of licenses"), and the order keeps those prices whatever the book says later.
 */

/** The most connections one item of an order is for, whichever way it is ordered (API, command, page). */
export const MAX_ITEM_CONNECTIONS = 1_000_000;
export type OrderItem =
  | { type: 'key'; sku: string; connections: number }
  | { type: 'renewal'; licenseId: string; years: number }
  | { type: 'subscription'; sku: string; connections: number }
  | { type: 'subscription_change'; subscriptionId: string; connections: number; force?: boolean | undefined }
  | { type: 'subscription_renewal'; subscriptionId: string }
  | { type: 'gateway_license'; sku: string; quantity: number };

/** The subscription an item bills, if it bills one. */
export const billedSubscriptionOf = (item: OrderItem): string | undefined =>
  item.type === 'subscription_change' || item.type === 'subscription_renewal'
    ? item.subscriptionId
    : undefined;

/** An invoice line, with the item it prices (an item may have several: a proration's credit and charge). */
export interface OrderLine {
  item: number;
  description: string;
  quantity: number;
  unitAmount: number;
  amount: number;
}

export interface PricedOrder {
  priceBookVersion: string;
  currency: PriceBook['currency'];
  lines: OrderLine[];
  /** The connections of all its lines: the size the purchase rules judge. */
  connections: number;
  totals: InvoiceTotals;
}

/** A key named for renewal, as the rules see it, with the last group of its key for the line. */
export type RenewableKey = KeyFacts & { hint: string };

/** What an order's items name, as read for it: keys to renew, subscriptions to change or renew. */
export interface Named {
  keys: ReadonlyMap<string, RenewableKey>;
  subscriptions: ReadonlyMap<string, BillableSubscription>;
}

export const MAX_ORDER_ITEMS = 100;

const asLine = (item: number, priced: PricedLine): OrderLine => ({
  item,
  description: priced.description,
  quantity: priced.quantity,
  unitAmount: priced.unitPrice.amount,
  amount: priced.total.amount,
});

/** An item's lines, and the connections it stands for in the purchase rules. */
interface PricedItem {
  lines: OrderLine[];
  connections: number;
}

const single = (line: OrderLine): Result<PricedItem> => ok({ lines: [line], connections: line.quantity });

function priceItem(
  books: readonly PriceBook[],
  book: PriceBook,
  item: OrderItem,
  index: number,
  named: Named,
  now: Date,
): Result<PricedItem> {
  const field = `items/${index}`;
  if (item.type === 'subscription_change' || item.type === 'subscription_renewal') {
    const sub = named.subscriptions.get(item.subscriptionId);
    if (sub === undefined)
      return fail(
        'subscription_not_found',
        `There is no subscription ${item.subscriptionId} in this account.`,
        field,
      );
    const priced =
      item.type === 'subscription_change'
        ? priceChange(book, sub, item, now, field)
        : priceRenewal(book, sub, now, field);
    if (!priced.ok) return priced;
    return ok({
      lines: priced.value.lines.map((line) => ({ item: index, ...line })),
      connections: priced.value.connections,
    });
  }
  if (item.type === 'renewal') {
    const key = named.keys.get(item.licenseId);
    if (key === undefined)
      return fail('license_not_found', `There is no license ${item.licenseId} in this account.`, field);
    const quote = quoteRenewal(books, key, item.years, now);
    if (!quote.ok) return quote;
    const { line, term } = quote.value;
    return single(
      asLine(index, {
        ...line,
        description: `${line.description}, key …${key.hint}, to ${isoDate(term.ends)}`,
      }),
    );
  }
  if (item.type === 'gateway_license') {
    const priced = priceGatewayLicenses(book, item, field);
    if (!priced.ok) return priced;
    return ok({ lines: [asLine(index, priced.value.line)], connections: priced.value.connections });
  }
  const product = findProduct(book, item.sku);
  const wanted = item.type === 'key' ? 'fixed license key' : 'subscription';
  if (product === undefined || product.kind !== item.type)
    return fail('product_not_found', `Price book ${book.version} sells no ${wanted} ${item.sku}.`, field);
  const priced = priceLine(book, product, item.connections);
  return priced.ok ? single(asLine(index, priced.value)) : priced;
}

/** Prices every item with the book in force at `now`; any item refused refuses the order. */
export function priceOrder(input: {
  books: readonly PriceBook[];
  items: readonly OrderItem[];
  named: Named;
  taxRate: number;
  now: Date;
}): Result<PricedOrder> {
  const { books, items, now } = input;
  if (items.length === 0) return fail('validation_failed', 'An order has at least one item.', 'items');
  if (items.length > MAX_ORDER_ITEMS)
    return fail('validation_failed', `An order has at most ${MAX_ORDER_ITEMS} items.`, 'items');
  const renewed = items.flatMap((item) => (item.type === 'renewal' ? [item.licenseId] : []));
  if (new Set(renewed).size !== renewed.length)
    return fail('validation_failed', 'A key is renewed once per order: name it once.', 'items');
  const billed = items.flatMap((item) => billedSubscriptionOf(item) ?? []);
  if (new Set(billed).size !== billed.length)
    return fail(
      'validation_failed',
      'A subscription is changed or renewed once per order: name it once.',
      'items',
    );
  const book = currentBook(books, now);
  if (book === undefined)
    return fail('product_not_found', `No price book is in force on ${isoDate(now)}.`, 'items');
  const oversized = items.findIndex(
    (item) => 'connections' in item && item.connections > MAX_ITEM_CONNECTIONS,
  );
  if (oversized >= 0)
    return fail(
      'validation_failed',
      `An item is for at most ${MAX_ITEM_CONNECTIONS.toLocaleString('en-US')} connections.`,
      `items.${oversized}.connections`,
    );
  const lines: OrderLine[] = [];
  let connections = 0;
  for (const [index, item] of items.entries()) {
    const priced = priceItem(books, book, item, index, input.named, now);
    if (!priced.ok) return priced;
    lines.push(...priced.value.lines);
    connections += priced.value.connections;
  }
  const amounts: Money[] = lines.map((line) => money(line.amount, book.currency));
  return ok({
    priceBookVersion: book.version,
    currency: book.currency,
    lines,
    connections,
    totals: invoiceTotals(amounts, input.taxRate, book.currency),
  });
}
