import { describe, expect, it } from 'vitest';
import { planChange } from './subscription-change.js';

const value = (result: ReturnType<typeof planChange>) => {
  if (!result.ok) throw new Error(result.error.detail);
  return result.value;
};

describe('planChange', () => {
  it('is a no-op to scale to the same quantity', () => {
    expect(value(planChange({ quantity: 100, billing: 'monthly' }, { quantity: 100 }))).toEqual({
      kind: 'none',
    });
    expect(value(planChange({ quantity: 100, billing: 'monthly' }, {}))).toEqual({ kind: 'none' });
    expect(value(planChange({ quantity: 100, billing: 'yearly' }, { billing: 'yearly' }))).toEqual({
      kind: 'none',
    });
  });

  it('scales up or down now', () => {
    expect(value(planChange({ quantity: 100, billing: 'monthly' }, { quantity: 150 }))).toEqual({
      kind: 'change',
      scale: { from: 100, to: 150, direction: 'up' },
      nextBilling: 'monthly',
    });
    expect(value(planChange({ quantity: 100, billing: 'monthly' }, { quantity: 40 }))).toEqual({
      kind: 'change',
      scale: { from: 100, to: 40, direction: 'down' },
      nextBilling: 'monthly',
    });
  });

  it('does not count yearly → monthly as an upgrade: it waits for the next period, unprorated', () => {
    expect(value(planChange({ quantity: 100, billing: 'yearly' }, { billing: 'monthly' }))).toEqual({
      kind: 'change',
      nextBilling: 'monthly',
    });
    expect(value(planChange({ quantity: 100, billing: 'monthly' }, { billing: 'yearly' }))).toEqual({
      kind: 'change',
      nextBilling: 'yearly',
    });
  });

  it('keeps a scheduled billing switch when only the seats change, and cancels it when asked', () => {
    const scheduled = { quantity: 100, billing: 'yearly' as const, scheduledBilling: 'monthly' as const };
    expect(value(planChange(scheduled, { quantity: 120 }))).toEqual({
      kind: 'change',
      scale: { from: 100, to: 120, direction: 'up' },
      nextBilling: 'monthly',
    });
    expect(value(planChange(scheduled, { billing: 'monthly' }))).toEqual({ kind: 'none' });
    // Back to yearly: the scheduled switch is cancelled.
    expect(value(planChange(scheduled, { billing: 'yearly' }))).toEqual({
      kind: 'change',
      nextBilling: 'yearly',
    });
  });

  it('refuses a quantity that is not a whole number of connections', () => {
    expect(planChange({ quantity: 100, billing: 'monthly' }, { quantity: 0 })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'quantity' },
    });
  });
});
