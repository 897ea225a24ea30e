import { fail, ok, type Result } from './errors.js';
import type { Period } from './terms.js';

/**
 * What a requested subscription change does and when. A new quantity applies now and is prorated
 * (scaling up or down mid-period). A new billing period applies from the next period and is never
 * prorated, so yearly → monthly is not mistaken for an upgrade (Lago 1834), and a seat change
 * keeps a switch already scheduled (Polar 11129).
 */
export interface SubscriptionPlan {
  quantity: number;
  billing: Period;
  /** A switch of billing period already scheduled for the end of the current period. */
  scheduledBilling?: Period;
}

export interface ChangeRequest {
  quantity?: number;
  billing?: Period;
}

export interface Scale {
  from: number;
  to: number;
  direction: 'up' | 'down';
}

export type ChangePlan =
  | { kind: 'none' }
  | {
      kind: 'change';
      /** Applied now, prorated; absent when the quantity stays. */
      scale?: Scale;
      /** The billing period the next period will use (a differing one is a scheduled switch). */
      nextBilling: Period;
    };

export function planChange(current: SubscriptionPlan, request: ChangeRequest): Result<ChangePlan> {
  const quantity = request.quantity ?? current.quantity;
  if (!Number.isSafeInteger(quantity) || quantity < 1)
    return fail(
      'validation_failed',
      'A subscription has a whole number of connections, 1 or more.',
      'quantity',
    );
  const wanted = request.billing ?? current.scheduledBilling ?? current.billing;
  const scheduledBilling = wanted === current.billing ? undefined : wanted;
  const scale: Scale | undefined =
    quantity === current.quantity
      ? undefined
      : { from: current.quantity, to: quantity, direction: quantity > current.quantity ? 'up' : 'down' };
  if (scale === undefined && scheduledBilling === current.scheduledBilling) return ok({ kind: 'none' });
  return ok({ kind: 'change', ...(scale === undefined ? {} : { scale }), nextBilling: wanted });
}
