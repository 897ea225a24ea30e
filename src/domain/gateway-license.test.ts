import { describe, expect, it } from 'vitest';
import {
  checkLicenseModel,
  findLicenseModel,
  GATEWAY_LICENSE_MODELS,
  type LicenseModel,
  licenseTerm,
  MAX_LICENSES_PER_KEY,
  previewGatewayKey,
  unzipGatewayKey,
} from './gateway-license.js';

const at = (iso: string): Date => new Date(iso);

const model = (overrides: Partial<LicenseModel> = {}): LicenseModel => ({
  sku: 'SPC-1YR-LIC',
  kind: 'secupoint',
  name: 'SecuPoint VPN Client, 1 year',
  users: 20,
  termYears: 1,
  ...overrides,
});

const errorOf = <T>(
  result: { ok: true; value: T } | { ok: false; error: { code: string; field?: string } },
) => (result.ok ? undefined : { code: result.error.code, field: result.error.field });

describe('the gateway license catalog', () => {
  it('holds the seed’s SecuPoint models, a 100- and a 150-user one, and the Pro models, as data', () => {
    const bySku = Object.fromEntries(
      GATEWAY_LICENSE_MODELS.map((m) => [m.sku, [m.kind, m.users, m.termYears]]),
    );
    expect(bySku).toEqual({
      'SPC-1YR-LIC': ['secupoint', 20, 1],
      'SPC-3YR-LIC': ['secupoint', 10, 3],
      'SPC-1YR-100-LIC': ['secupoint', 100, 1],
      'SPC-1YR-150-LIC': ['secupoint', 150, 1],
      'PRO-1YR-LIC': ['pro', 0, 1],
      'PRO-3YR-LIC': ['pro', 0, 3],
    });
    for (const m of GATEWAY_LICENSE_MODELS) expect(checkLicenseModel(m).ok).toBe(true);
  });

  it('finds a model by SKU and refuses an unknown one', () => {
    const found = findLicenseModel('SPC-3YR-LIC');
    expect(found.ok && found.value.users).toBe(10);
    expect(errorOf(findLicenseModel('AP-1YR-LIC'))).toEqual({ code: 'license_model_unknown', field: 'sku' });
    expect(errorOf(findLicenseModel('spc-1yr-lic'))).toEqual({ code: 'license_model_unknown', field: 'sku' });
  });

  it('refuses models with negative, fractional or missing users, users on Pro, and bad terms or SKUs', () => {
    const refused = (overrides: Partial<LicenseModel>) => errorOf(checkLicenseModel(model(overrides)));
    expect(refused({ users: -20 })).toEqual({ code: 'validation_failed', field: 'users' });
    expect(refused({ users: 2.5 })).toEqual({ code: 'validation_failed', field: 'users' });
    expect(refused({ users: 0 })).toEqual({ code: 'validation_failed', field: 'users' });
    expect(refused({ kind: 'pro', users: 5 })).toEqual({ code: 'validation_failed', field: 'users' });
    expect(refused({ termYears: 0 })).toEqual({ code: 'validation_failed', field: 'termYears' });
    expect(refused({ termYears: 11 })).toEqual({ code: 'validation_failed', field: 'termYears' });
    expect(refused({ sku: '' })).toEqual({ code: 'validation_failed', field: 'sku' });
    expect(refused({ sku: 'SPC 1YR' })).toEqual({ code: 'validation_failed', field: 'sku' });
  });

  it('refuses a catalog model that is not valid even when found', () => {
    const broken = [model({ sku: 'SPC-BAD', users: -1 })];
    expect(errorOf(findLicenseModel('SPC-BAD', broken))).toEqual({
      code: 'validation_failed',
      field: 'users',
    });
  });
});

describe('a gateway license key', () => {
  it('shows its content before it is applied, then unzips into that many licenses', () => {
    const preview = previewGatewayKey({ sku: 'SPC-1YR-LIC', quantity: 4 });
    expect(preview.ok).toBe(true);
    if (!preview.ok) return;
    expect(preview.value).toMatchObject({ quantity: 4, totalUsers: 80 });
    expect(preview.value.model.sku).toBe('SPC-1YR-LIC');
    expect(preview.value.summary).toBe('4 × SPC-1YR-LIC (20 VPN users each, 1 year)');
    const licenses = unzipGatewayKey(preview.value);
    expect(licenses).toHaveLength(4);
    expect(new Set(licenses.map((l) => l.sku))).toEqual(new Set(['SPC-1YR-LIC']));
  });

  it('words a single license and a Pro key', () => {
    const one = previewGatewayKey({ sku: 'SPC-3YR-LIC', quantity: 1 });
    expect(one.ok && one.value.summary).toBe('1 × SPC-3YR-LIC (10 VPN users each, 3 years)');
    const pro = previewGatewayKey({ sku: 'PRO-1YR-LIC', quantity: 2 });
    expect(pro.ok && [pro.value.summary, pro.value.totalUsers]).toEqual([
      '2 × PRO-1YR-LIC (Pro features, 1 year)',
      0,
    ]);
  });

  it('refuses a quantity of 0, a negative, fractional or too large one, and an unknown model', () => {
    for (const quantity of [0, -1, 1.5, Number.NaN, MAX_LICENSES_PER_KEY + 1])
      expect(errorOf(previewGatewayKey({ sku: 'SPC-1YR-LIC', quantity }))).toEqual({
        code: 'validation_failed',
        field: 'quantity',
      });
    expect(previewGatewayKey({ sku: 'SPC-1YR-LIC', quantity: MAX_LICENSES_PER_KEY }).ok).toBe(true);
    expect(errorOf(previewGatewayKey({ sku: 'XYZ-LIC', quantity: 1 }))).toEqual({
      code: 'license_model_unknown',
      field: 'sku',
    });
  });
});

describe('licenseTerm', () => {
  it('runs from the activation instant for the model’s years, half open', () => {
    const activatedAt = at('2026-03-10T09:30:00.000Z');
    expect(licenseTerm({ termYears: 1 }, activatedAt)).toEqual({
      starts: activatedAt,
      ends: at('2027-03-10T09:30:00.000Z'),
    });
    expect(licenseTerm({ termYears: 3 }, activatedAt).ends).toEqual(at('2029-03-10T09:30:00.000Z'));
  });

  it('ends on 28 February when activated on 29 February', () => {
    expect(licenseTerm({ termYears: 1 }, at('2028-02-29T12:00:00.000Z')).ends).toEqual(
      at('2029-02-28T12:00:00.000Z'),
    );
  });
});
