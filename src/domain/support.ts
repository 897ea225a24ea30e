import { fail, ok, type Result } from './errors.js';

/**
 * Who may open a support request, as the seeds put it. The ticketing system is for accounts with a
 * license in an active support/upgrade term; others are pointed to community help. A requester
 * who is not the primary holder proves the account's authority with three facts.
 */
export type RequestType = 'refund' | 'split' | 'transfer' | 'replacement' | 'failover';

export const COMMUNITY_HELP =
  'Support requests are for accounts with at least one license key in an active support/upgrade term; without one, please ask the community forum for help instead.';

export function checkEligibility(hasActiveSupport: boolean): Result<void> {
  return hasActiveSupport ? ok(undefined) : fail('support_not_available', COMMUNITY_HELP);
}

/** What a requester who is not the primary holder must give, and whether it matches the key. */
export interface NonPrimaryProof {
  licenseKey: { given: boolean; matches: boolean };
  primaryHolder: { given: boolean; matches: boolean };
  orderNumber: { given: boolean; matches: boolean };
}

const LABELS: Record<keyof NonPrimaryProof, string> = {
  licenseKey: 'the license key in question',
  primaryHolder: "the primary license holder's contact name or email address",
  orderNumber: 'the order number issued for that license key',
};

export function checkNonPrimaryRequester(proof: NonPrimaryProof): Result<void> {
  const fields = Object.keys(LABELS) as (keyof NonPrimaryProof)[];
  const missing = fields.filter((field) => !proof[field].given);
  if (missing.length > 0)
    return fail(
      'request_incomplete',
      `A requester who is not the primary license holder must give ${missing.map((field) => LABELS[field]).join(', ')}.`,
      missing[0],
    );
  // One answer for any mismatch, so that the three facts cannot be guessed one at a time.
  if (fields.some((field) => !proof[field].matches))
    return fail(
      'request_incomplete',
      "The license key, primary holder and order number given do not match this account's records.",
    );
  return ok(undefined);
}
