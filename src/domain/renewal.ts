import { fail, ok, type Result } from './errors.js';
import { checkRenewal, type KeyFacts, renewedTerm } from './key-lifecycle.js';
import { currentBook, keyProduct, type PriceBook, type PricedLine, priceLine } from './price-book.js';
import { isoDate, type Window } from './terms.js';

/**
 * What renewing a fixed key costs and covers. The seeds: "your renewal cost is based on Access
 * Server's current market price and the number of licenses", so a renewal is priced with the book
 * in force on the renewal day (not the one the key was bought with) × the key's connections. The
 * term rule is key-lifecycle's `renewedTerm`.
 */
export interface RenewalQuote {
  line: PricedLine;
  term: Window;
  termYears: number;
}

export function quoteRenewal(
  books: readonly PriceBook[],
  key: KeyFacts,
  years: number,
  now: Date,
): Result<RenewalQuote> {
  const allowed = checkRenewal(key, years);
  if (!allowed.ok) return allowed;
  const book = currentBook(books, now);
  if (book === undefined)
    return fail('product_not_found', `No price book is in force on ${isoDate(now)}.`, 'sku');
  const product = keyProduct(book, years);
  if (product === undefined)
    return fail('term_not_offered', `Price book ${book.version} sells no ${years}-year term.`, 'years');
  const priced = priceLine(book, product, key.seats);
  if (!priced.ok) return priced;
  const line = { ...priced.value, description: `Renewal: ${priced.value.description}` };
  return ok({ line, ...renewedTerm(key, years, now) });
}
