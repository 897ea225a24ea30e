import { describe, expect, it } from 'vitest';
import { findLicenseModel, type LicenseModel, licenseTerm } from './gateway-license.js';
import { type GatewayBinding, gatewayGrants, gatewaySeats } from './gateway-seats.js';
import { GATEWAY_POLICY } from './seats.js';

const at = (iso: string): Date => new Date(iso);

function modelOf(sku: string): LicenseModel {
  const found = findLicenseModel(sku);
  if (!found.ok) throw new Error(found.error.detail);
  return found.value;
}

/** A license of `sku` associated (and so activated) at `activatedAt`. */
const bound = (licenseId: string, sku: string, activatedAt: Date, extra: Partial<GatewayBinding> = {}) => {
  const model = modelOf(sku);
  return {
    licenseId,
    keyHint: licenseId.slice(-4).toUpperCase(),
    kind: model.kind,
    users: model.users,
    term: licenseTerm(model, activatedAt),
    ...extra,
  } satisfies GatewayBinding;
};

// The seed: ESG1 has SPC-1YR-LIC (20 users) and SPC-3YR-LIC (10 users) bound in the same first year.
const ASSOCIATED = at('2026-03-10T09:30:00.000Z');
const ONE_YEAR_ENDS = at('2027-03-10T09:30:00.000Z');
const THREE_YEARS_END = at('2029-03-10T09:30:00.000Z');
const ESG1 = [bound('lic_spc1', 'SPC-1YR-LIC', ASSOCIATED), bound('lic_spc3', 'SPC-3YR-LIC', ASSOCIATED)];

describe('a gateway’s seats (the SecuPoint VPN Client maximum)', () => {
  it('uses a policy of 2 built-in seats that always count', () => {
    expect(GATEWAY_POLICY).toEqual({ builtInSeats: 2, builtInAlwaysCounts: true });
  });

  it('is 2 with no license', () => {
    expect(gatewaySeats([], ASSOCIATED).seats).toBe(2);
  });

  it('is 2 + 20 + 10 = 32 during the overlap, from the instant of association', () => {
    expect(gatewaySeats(ESG1, ASSOCIATED).seats).toBe(32);
    expect(gatewaySeats(ESG1, at('2026-09-01T00:00:00.000Z')).seats).toBe(32);
    expect(gatewaySeats(ESG1, at('2026-03-10T09:29:59.999Z')).seats).toBe(2);
  });

  it('is 12 once the 1-year license has ended, exactly at its end', () => {
    const last = gatewaySeats(ESG1, at('2027-03-10T09:29:59.999Z'));
    expect(last.seats).toBe(32);
    expect(last.changesAt).toBe(ONE_YEAR_ENDS.getTime());
    const after = gatewaySeats(ESG1, ONE_YEAR_ENDS);
    expect(after.seats).toBe(12);
    expect(after.counting.map((grant) => grant.licenseId)).toEqual(['lic_spc3']);
    expect(gatewaySeats(ESG1, at('2028-06-01T00:00:00.000Z')).seats).toBe(12);
  });

  it('is 2 again after the 3-year license', () => {
    expect(gatewaySeats(ESG1, THREE_YEARS_END).seats).toBe(2);
  });

  it('stacks licenses associated at different times over the windows where they overlap', () => {
    const later = bound('lic_later', 'SPC-1YR-LIC', at('2026-09-10T09:30:00.000Z'));
    const licenses = [...ESG1, later];
    expect(gatewaySeats(licenses, at('2026-10-01T00:00:00.000Z')).seats).toBe(52);
    expect(gatewaySeats(licenses, ONE_YEAR_ENDS).seats).toBe(32);
    expect(gatewaySeats(licenses, at('2027-09-10T09:30:00.000Z')).seats).toBe(12);
  });

  it('adds nothing for a Pro license, and the Pro license’s expiry changes nothing', () => {
    const pro = bound('lic_pro', 'PRO-1YR-LIC', at('2025-12-01T00:00:00.000Z'));
    const withPro = [...ESG1, pro];
    expect(gatewayGrants([pro])).toEqual([]);
    for (const instant of [
      ASSOCIATED,
      at('2026-11-30T23:59:59.999Z'),
      at('2026-12-01T00:00:00.000Z'),
      ONE_YEAR_ENDS,
      THREE_YEARS_END,
    ])
      expect(gatewaySeats(withPro, instant).seats).toBe(gatewaySeats(ESG1, instant).seats);
    expect(gatewaySeats(withPro, at('2026-12-01T00:00:00.000Z')).seats).toBe(32);
  });

  it('counts of a shared license what the gateway holds of its pool, never more than its users', () => {
    const shared = bound('lic_big', 'SPC-1YR-LIC', ASSOCIATED, {
      users: 150,
      lease: { seats: 40, until: at('2026-06-01T00:05:00.000Z') },
    });
    const now = at('2026-06-01T00:00:00.000Z');
    expect(gatewaySeats([...ESG1, shared], now).seats).toBe(2 + 20 + 10 + 40);
    expect(gatewaySeats([shared], now).changesAt).toBe(at('2026-06-01T00:05:00.000Z').getTime());
    // An ended lease counts nothing until the gateway leases again.
    expect(gatewaySeats([shared], at('2026-06-01T00:05:00.000Z')).seats).toBe(2);
    const greedy = { ...shared, lease: { seats: 500, until: at('2026-06-02T00:00:00.000Z') } };
    expect(gatewaySeats([greedy], now).seats).toBe(152);
    const negative = { ...shared, lease: { seats: -5, until: at('2026-06-02T00:00:00.000Z') } };
    expect(gatewaySeats([negative], now).seats).toBe(2);
  });

  it('trusts an agent’s statement only until it runs out', () => {
    const validUntil = at('2026-06-08T00:00:00.000Z');
    const grants = gatewayGrants(ESG1, validUntil);
    expect(grants.map((grant) => [grant.seats, grant.ends, grant.certificateExpiresAt])).toEqual([
      [20, ONE_YEAR_ENDS, validUntil],
      [10, THREE_YEARS_END, validUntil],
    ]);
    expect(gatewaySeats(ESG1, at('2026-06-07T23:59:59.999Z'), validUntil).seats).toBe(32);
    expect(gatewaySeats(ESG1, validUntil, validUntil).seats).toBe(2);
    // Without a statement (the service counting from its store) the term alone bounds a grant.
    expect(gatewayGrants(ESG1).map((grant) => grant.certificateExpiresAt)).toEqual([
      ONE_YEAR_ENDS,
      THREE_YEARS_END,
    ]);
  });
});
