import type { KeyCase, World } from './authz-routes.js';

/** Bodies the MATRIX's requests send, apart from the table so that it stays readable. */

/** The key an agent sends: none, a malformed one, another account's, or its own. */
export function keyFor(
  w: World,
  who: KeyCase,
  other: string,
  own: string = w.a.licenseKey,
): string | undefined {
  if (who === 'no key') return undefined;
  if (who === 'garbage key') return 'not-a-key';
  return who === 'the key' ? own : other;
}

/** A refund request with the proof a member must give (the owner need not, but may). */
export const supportRequest = (
  w: World,
  licenseId: string,
  licenseKey: string,
  orderNumber: string | null,
) => ({
  type: 'refund',
  licenseId,
  message: 'Bought by mistake.',
  licenseKey,
  primaryHolder: w.a.email,
  ...(orderNumber === null ? {} : { orderNumber }),
});
