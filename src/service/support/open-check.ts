import { ok, type Result } from '../../domain/errors.js';
import { checkFailover, checkRefund, checkReplacement, checkSplit } from '../../domain/key-lifecycle.js';
import type { RequestType } from '../../domain/support.js';
import { readKey } from '../licenses/key-facts.js';
import { checkNoFailoverKey } from '../licenses/lifecycle.js';
import type { Database } from '../store/database.js';

/** What a request asks beyond its key: a split's parts, a transfer's account and cited order. */
export interface RequestDetails {
  parts?: number[];
  toAccount?: string;
  orderNumber?: string;
}

/**
 * Whether the request's operation would be refused on the key as it is now, by the rules the
 * operation itself applies when staff approve it: such a request is refused when it is opened,
 * with the operation's code, rather than wait in the queue for a certain refusal.
 */
export async function refusalNow(
  db: Database,
  request: { type: RequestType; licenseId: string; details: RequestDetails; requesterEmail: string },
  now: Date,
): Promise<Result<void>> {
  const { type, licenseId, details } = request;
  // A transfer waits for staff: checking its target account now would tell any key holder which
  // emails have an account here (an unknown one refused, a known one queued).
  if (type === 'transfer') return ok(undefined);
  const key = await readKey(db, licenseId);
  if (!key.ok) return key;
  const { facts } = key.value;
  switch (type) {
    case 'refund':
      return checkRefund(facts, now);
    case 'split':
      return checkSplit(facts, details.parts ?? []);
    case 'replacement':
      return checkReplacement(facts, now);
    case 'failover': {
      const allowed = checkFailover(facts);
      return allowed.ok ? checkNoFailoverKey(db, licenseId) : allowed;
    }
  }
}
