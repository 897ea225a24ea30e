import { normalizeEmail } from './email.js';
import { fail, ok, type Result } from './errors.js';
import { addDays } from './terms.js';
import { plainText } from './text.js';

/**
 * Who may buy how much, and how they pay, as the seeds put it: online (card, PayPal) from 10
 * connections; bank wire, ACH or purchase order from 100 connections, as a quote for the
 * customer's accounts payable department, due 30 days after it is issued.
 */
export type PaymentMethod = 'card' | 'paypal' | 'bank_wire' | 'ach' | 'purchase_order';

export const ONLINE_METHODS: readonly PaymentMethod[] = ['card', 'paypal'];
export const OFFLINE_METHODS: readonly PaymentMethod[] = ['bank_wire', 'ach', 'purchase_order'];

export const ONLINE_MINIMUM_CONNECTIONS = 10;
export const OFFLINE_MINIMUM_CONNECTIONS = 100;
export const NET_TERMS_DAYS = 30;

/** The seeds' own words (Licensing FAQ, Q13 and Q10). */
export const ONLINE_MINIMUM_REASON =
  'Due to the high transactional costs associated with processing your payment online, we are unable to process any orders with less than 10 concurrent connections at this time.';
export const OFFLINE_MINIMUM_REASON =
  'We currently accept bank transfers/wires for 100+ concurrent license orders. We cannot accept orders smaller than this amount at this time due to the heavy transactional costs associated with the order.';

/** How an accepted order is collected: paid at checkout, or a quote payable on net terms. */
export type Collection = { kind: 'charge_now' } | { kind: 'net_terms'; netDays: number };

/**
 * What a gateway license order line weighs in these rules. A SecuPoint license counts the VPN users
 * it adds, as connections are counted (2 × SPC-1YR-LIC: 40). A Pro license adds no user, yet a
 * buyer expects to pay one by card (it costs more than the ten connections the online minimum asks
 * for, and that minimum is about the cost of a small payment): each Pro license counts as the
 * online minimum, so one is bought online and ten by bank wire or purchase order.
 */
export const PRO_LICENSE_CONNECTIONS = ONLINE_MINIMUM_CONNECTIONS;

export const gatewayLicenseConnections = (
  model: { kind: 'secupoint' | 'pro'; users: number },
  quantity: number,
): number => (model.kind === 'pro' ? PRO_LICENSE_CONNECTIONS : model.users) * quantity;

/** An order's size is the connections of all its lines: renewing several keys at once counts them all. */
export const orderConnections = (lines: readonly { quantity: number }[]): number =>
  lines.reduce((total, line) => total + line.quantity, 0);

export const paymentMethodsFor = (connections: number): PaymentMethod[] => [
  ...(connections >= ONLINE_MINIMUM_CONNECTIONS ? ONLINE_METHODS : []),
  ...(connections >= OFFLINE_MINIMUM_CONNECTIONS ? OFFLINE_METHODS : []),
];

/** Whether an order of `connections` may be paid with `method`, and how it is then collected. */
export function checkOrder(connections: number, method: PaymentMethod): Result<Collection> {
  if (!Number.isSafeInteger(connections) || connections < 1)
    return fail('validation_failed', 'An order is for a whole number of connections, 1 or more.', 'quantity');
  if (connections < ONLINE_MINIMUM_CONNECTIONS)
    return fail('order_below_online_minimum', ONLINE_MINIMUM_REASON, 'quantity');
  if (OFFLINE_METHODS.includes(method)) {
    if (connections < OFFLINE_MINIMUM_CONNECTIONS)
      return fail('wire_below_minimum', OFFLINE_MINIMUM_REASON, 'paymentMethod');
    return ok({ kind: 'net_terms', netDays: NET_TERMS_DAYS });
  }
  return ok({ kind: 'charge_now' });
}

/**
 * Net terms count calendar days (UTC) from the issuing date: issued on 30 November, due on
 * 30 December, and overdue from the first instant of 31 December, so paying on the due day is on time.
 */
export function netTermsDue(
  issuedAt: Date,
  netDays: number = NET_TERMS_DAYS,
): { dueDate: Date; overdueFrom: Date } {
  const issuingDay = new Date(
    Date.UTC(issuedAt.getUTCFullYear(), issuedAt.getUTCMonth(), issuedAt.getUTCDate()),
  );
  const dueDate = addDays(issuingDay, netDays);
  return { dueDate, overdueFrom: addDays(dueDate, 1) };
}

export const isOverdue = (issuedAt: Date, netDays: number, now: Date): boolean =>
  now.getTime() >= netTermsDue(issuedAt, netDays).overdueFrom.getTime();

/** What a purchase order must carry (seeds: the accounts payable email and the end user's account). */
export interface PurchaseOrderDetails {
  accountsPayableEmail: string;
  /** The end user's registered account, that the keys are uploaded to. */
  endUserAccount: string;
}

export function checkPurchaseOrderDetails(details: PurchaseOrderDetails): Result<PurchaseOrderDetails> {
  if (details.accountsPayableEmail.trim() === '')
    return fail('purchase_order_incomplete', 'Include the accounts payable email.', 'accountsPayableEmail');
  const email = normalizeEmail(details.accountsPayableEmail, 'accountsPayableEmail');
  if (!email.ok) return email;
  if (details.endUserAccount.trim() === '')
    return fail(
      'purchase_order_incomplete',
      'Include the end user’s registered account, for the license upload.',
      'endUserAccount',
    );
  const account = plainText(details.endUserAccount.trim(), 'endUserAccount');
  if (!account.ok) return account;
  return ok({ accountsPayableEmail: email.value, endUserAccount: account.value });
}
