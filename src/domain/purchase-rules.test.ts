import { describe, expect, it } from 'vitest';
import {
  checkOrder,
  checkPurchaseOrderDetails,
  isOverdue,
  netTermsDue,
  orderConnections,
  paymentMethodsFor,
} from './purchase-rules.js';

describe('checkOrder', () => {
  it('refuses an online order below 10 connections with the seeds’ reason', () => {
    const result = checkOrder(5, 'card');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'order_below_online_minimum', field: 'quantity' },
    });
    if (!result.ok)
      expect(result.error.detail).toContain(
        'unable to process any orders with less than 10 concurrent connections',
      );
    expect(checkOrder(9, 'paypal').ok).toBe(false);
  });

  it('accepts an online order from 10 connections, charged at checkout', () => {
    expect(checkOrder(10, 'card')).toEqual({ ok: true, value: { kind: 'charge_now' } });
    expect(checkOrder(10, 'paypal')).toEqual({ ok: true, value: { kind: 'charge_now' } });
  });

  it('takes bank wire, ACH and purchase orders only from 100 connections, on Net 30 terms', () => {
    for (const method of ['bank_wire', 'ach', 'purchase_order'] as const) {
      const refused = checkOrder(99, method);
      expect(refused).toMatchObject({
        ok: false,
        error: { code: 'wire_below_minimum', field: 'paymentMethod' },
      });
      if (!refused.ok)
        expect(refused.error.detail).toContain('bank transfers/wires for 100+ concurrent license orders');
      expect(checkOrder(100, method)).toEqual({ ok: true, value: { kind: 'net_terms', netDays: 30 } });
    }
  });

  it('refuses a quantity that is not a whole number of connections', () => {
    expect(checkOrder(0, 'card')).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(checkOrder(10.5, 'card')).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });
});

describe('paymentMethodsFor', () => {
  it('lists what an order of that size may use', () => {
    expect(paymentMethodsFor(9)).toEqual([]);
    expect(paymentMethodsFor(10)).toEqual(['card', 'paypal']);
    expect(paymentMethodsFor(100)).toEqual(['card', 'paypal', 'bank_wire', 'ach', 'purchase_order']);
  });

  it('sizes an order by all its lines', () => {
    expect(orderConnections([{ quantity: 5 }, { quantity: 5 }])).toBe(10);
    expect(orderConnections([])).toBe(0);
  });
});

describe('netTermsDue', () => {
  it('is due 30 calendar days after the issuing date, and overdue from the day after', () => {
    const issuedAt = new Date('2026-11-30T15:42:00.000Z');
    const { dueDate, overdueFrom } = netTermsDue(issuedAt);
    expect(dueDate.toISOString()).toBe('2026-12-30T00:00:00.000Z');
    expect(overdueFrom.toISOString()).toBe('2026-12-31T00:00:00.000Z');
    expect(isOverdue(issuedAt, 30, new Date('2026-12-30T23:59:59.999Z'))).toBe(false);
    expect(isOverdue(issuedAt, 30, new Date('2026-12-31T00:00:00.000Z'))).toBe(true);
  });

  it('crosses month ends and leap days by the calendar', () => {
    expect(netTermsDue(new Date('2028-02-10T23:59:00Z')).dueDate.toISOString()).toBe(
      '2028-03-11T00:00:00.000Z',
    );
    expect(netTermsDue(new Date('2027-02-10T00:00:00Z')).dueDate.toISOString()).toBe(
      '2027-03-12T00:00:00.000Z',
    );
  });
});

describe('checkPurchaseOrderDetails', () => {
  it('needs the accounts payable email and the end user’s registered account', () => {
    expect(
      checkPurchaseOrderDetails({ accountsPayableEmail: ' AP@Example.com ', endUserAccount: ' it-ops ' }),
    ).toEqual({
      ok: true,
      value: { accountsPayableEmail: 'ap@example.com', endUserAccount: 'it-ops' },
    });
    expect(checkPurchaseOrderDetails({ accountsPayableEmail: '', endUserAccount: 'it-ops' })).toMatchObject({
      ok: false,
      error: { code: 'purchase_order_incomplete', field: 'accountsPayableEmail' },
    });
    expect(
      checkPurchaseOrderDetails({ accountsPayableEmail: 'ap@example.com', endUserAccount: ' ' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'purchase_order_incomplete', field: 'endUserAccount' },
    });
    expect(
      checkPurchaseOrderDetails({ accountsPayableEmail: 'not-an-email', endUserAccount: 'x' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'accountsPayableEmail' },
    });
  });
});
