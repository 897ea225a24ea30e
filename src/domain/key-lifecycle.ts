import { fail, ok, type Result } from './errors.js';
import { addDays, addYears, isoDate, type Window } from './terms.js';

/**
 * What may happen to a fixed key after it is bought: renewal, refund and split, as the seeds put
 * them. Pure rules over a key's facts; the service applies them inside one transaction.
 */
export interface KeyFacts {
  seats: number;
  purchasedAt: Date;
  /** The current support/upgrade term, and how many years it covers from its start. */
  term: Window;
  termYears: number;
  activated: boolean;
  /** Refunded, split or replaced: the key is done with. */
  ended: boolean;
  /** A failover key, for an integrated standby server. */
  failover: boolean;
}

/** Refunds are given for keys never activated, within this many days of their purchase. */
export const REFUND_DAYS = 30;

/**
 * The term after renewing for `years`. Ahead of its end, the new years start where the current
 * term ends (the day after the expiration date); once it has ended, they start on the renewal
 * date and are not back-dated.
 */
export function renewedTerm(
  key: Pick<KeyFacts, 'term' | 'termYears'>,
  years: number,
  now: Date,
): { term: Window; termYears: number } {
  if (now.getTime() < key.term.ends.getTime()) {
    const termYears = key.termYears + years;
    return { term: { starts: key.term.starts, ends: addYears(key.term.starts, termYears) }, termYears };
  }
  return { term: { starts: now, ends: addYears(now, years) }, termYears: years };
}

/** A failover key follows its original: what happens to the original happens to it. */
export const failoverFollows = () =>
  fail(
    'failover_key_mismatch',
    'A failover key follows the key it stands in for: ask about that key, and its failover key goes along.',
    'key',
  );

const endedRefusal = () =>
  fail(
    'license_revoked',
    'This license key has been revoked, split or replaced: nothing more can be done with it.',
    'key',
  );

/** Renewals: 1 to 10 years; a failover key is renewed with its original only, never alone. */
export function checkRenewal(key: KeyFacts, years: number): Result<void> {
  if (key.ended) return endedRefusal();
  if (key.failover) return failoverFollows();
  if (!Number.isInteger(years) || years < 1 || years > 10)
    return fail('validation_failed', 'A key is renewed for 1 to 10 years.', 'years');
  return ok(undefined);
}

/** Refunds: only for a key never activated, and within 30 days of its purchase. */
export function checkRefund(key: KeyFacts, now: Date): Result<void> {
  if (key.ended) return endedRefusal();
  if (key.failover) return failoverFollows();
  if (key.activated)
    return fail(
      'license_activated',
      'Refunds are not given for license keys already activated on a server.',
      'key',
    );
  const lastDay = addDays(key.purchasedAt, REFUND_DAYS);
  if (now.getTime() >= lastDay.getTime())
    return fail(
      'refund_period_over',
      `Refunds are given within ${REFUND_DAYS} days of the purchase; this key was bought on ${isoDate(key.purchasedAt)}.`,
      'key',
    );
  return ok(undefined);
}

/**
 * Splits: a key never activated becomes several keys whose connections add up to its own, with
 * the same term. An activated key is tied to its server's configuration and cannot be divided.
 */
export function checkSplit(key: KeyFacts, parts: readonly number[]): Result<void> {
  if (key.ended) return endedRefusal();
  if (key.failover) return failoverFollows();
  if (key.activated)
    return fail(
      'license_activated',
      'An activated license key cannot be split: it is tied to the configuration it was activated on.',
      'key',
    );
  if (parts.length < 2 || parts.length > 100 || parts.some((part) => !Number.isInteger(part) || part < 1))
    return fail(
      'validation_failed',
      'Split a key into 2 to 100 keys of at least 1 connection each.',
      'parts',
    );
  const total = parts.reduce((sum, part) => sum + part, 0);
  if (total !== key.seats)
    return fail(
      'validation_failed',
      `The new keys' connections must add up to the key's ${key.seats}; they add up to ${total}.`,
      'parts',
    );
  return ok(undefined);
}

/** After a replacement, the old key keeps working on its machine this many days, then stops. */
export const REPLACEMENT_OVERLAP_DAYS = 7;

/**
 * The license replacement program: within the key's support term, a changed machine gets a new
 * key, and the old one stops after a week. Outside the term a new key must be bought.
 */
export function checkReplacement(key: KeyFacts, now: Date): Result<void> {
  if (key.ended) return endedRefusal();
  if (key.failover) return failoverFollows();
  if (now.getTime() >= key.term.ends.getTime())
    return fail(
      'support_term_over',
      `This key's support/upgrade term ended on ${isoDate(key.term.ends)}: the license replacement program covers keys within their term only, so a new key must be bought.`,
      'key',
    );
  return ok(undefined);
}

/** A failover key is issued free, once, for an ordinary key in use; never for a failover key. */
export function checkFailover(key: KeyFacts): Result<void> {
  if (key.ended) return endedRefusal();
  if (key.failover)
    return fail('failover_key_mismatch', 'A failover key has no failover key of its own.', 'key');
  return ok(undefined);
}

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/** Mail services anyone can sign up to: sharing one of their domains says nothing of a company. */
const PUBLIC_MAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.net',
  'mail.com',
  'yandex.com',
  'zoho.com',
]);

const sameCompany = (a: string, b: string) =>
  domainOf(a) === domainOf(b) && !PUBLIC_MAIL_DOMAINS.has(domainOf(a));

/**
 * Who may move keys to another account: the keys' registered admin email, or an email of the same
 * domain (a company that was acquired; a public mail service's domain does not count); anyone else
 * must cite the order those keys were bought in.
 */
export function checkTransferAuthority(request: {
  ownerEmail: string;
  requesterEmail: string;
  citedOrder: string | undefined;
  keyOrders: readonly string[];
}): Result<void> {
  const requester = request.requesterEmail.trim().toLowerCase();
  if (requester === request.ownerEmail.toLowerCase() || sameCompany(requester, request.ownerEmail))
    return ok(undefined);
  const cited = request.citedOrder?.trim().toUpperCase();
  if (cited !== undefined && cited !== '' && request.keyOrders.every((order) => order === cited))
    return ok(undefined);
  return fail(
    'transfer_not_authorized',
    cited === undefined || cited === ''
      ? 'A transfer must come from the registered admin email of the keys, or an email of the same domain; otherwise cite the order number of an older invoice for these keys.'
      : `The order ${cited} is not the order of these keys: cite the order number on their invoice.`,
    cited === undefined || cited === '' ? 'requesterEmail' : 'orderNumber',
  );
}
