import { fail, ok, type Result } from './errors.js';
import { addYears, type Window } from './terms.js';
import { plural } from './text.js';

/**
 * Gateway licenses (EnGenius/SecuPoint): what each license model gives, what a license key holds,
 * and a license's term. A SecuPoint license adds VPN users to a gateway; a Pro license unlocks cloud
 * management and adds no VPN user, so its expiry changes no seat.
 */
export type LicenseKind = 'secupoint' | 'pro';

export interface LicenseModel {
  sku: string;
  kind: LicenseKind;
  name: string;
  /** VPN users one license of this model adds to its gateway (0 for Pro). */
  users: number;
  termYears: number;
}

/**
 * The models the seed and EnGenius name, and one of more than 100 users (the seed says such
 * licenses exist, not what they are called); a vendor selling other sizes adds models.
 */
export const GATEWAY_LICENSE_MODELS: readonly LicenseModel[] = [
  { sku: 'SPC-1YR-LIC', kind: 'secupoint', name: 'SecuPoint VPN Client, 1 year', users: 20, termYears: 1 },
  { sku: 'SPC-3YR-LIC', kind: 'secupoint', name: 'SecuPoint VPN Client, 3 years', users: 10, termYears: 3 },
  {
    sku: 'SPC-1YR-100-LIC',
    kind: 'secupoint',
    name: 'SecuPoint VPN Client, 100 users, 1 year',
    users: 100,
    termYears: 1,
  },
  // More than 100 users: the size that can be shared by up to 3 gateways.
  {
    sku: 'SPC-1YR-150-LIC',
    kind: 'secupoint',
    name: 'SecuPoint VPN Client, 150 users, 1 year',
    users: 150,
    termYears: 1,
  },
  { sku: 'PRO-1YR-LIC', kind: 'pro', name: 'Pro license, 1 year', users: 0, termYears: 1 },
  { sku: 'PRO-3YR-LIC', kind: 'pro', name: 'Pro license, 3 years', users: 0, termYears: 3 },
];

/** A key delivers one order line: at most this many licenses, so that adding one stays a bounded write. */
export const MAX_LICENSES_PER_KEY = 10_000;
const MAX_TERM_YEARS = 10;
const SKU = /^[A-Z0-9][A-Z0-9-]{0,63}$/;

const positiveInteger = (value: number): boolean => Number.isInteger(value) && value >= 1;

/** A model as a vendor would add it: a SecuPoint license adds at least one user, a Pro license none. */
export function checkLicenseModel(model: LicenseModel): Result<LicenseModel> {
  if (!SKU.test(model.sku))
    return fail('validation_failed', 'A SKU is 1 to 64 capital letters, digits and dashes.', 'sku');
  if (!Number.isInteger(model.users) || model.users < 0)
    return fail('validation_failed', 'A license model’s users are a whole number, 0 or more.', 'users');
  if (model.kind === 'secupoint' && model.users === 0)
    return fail('validation_failed', 'A SecuPoint license adds at least one VPN user.', 'users');
  if (model.kind === 'pro' && model.users !== 0)
    return fail('validation_failed', 'A Pro license adds no VPN user.', 'users');
  if (!positiveInteger(model.termYears) || model.termYears > MAX_TERM_YEARS)
    return fail('validation_failed', `A license model’s term is 1 to ${MAX_TERM_YEARS} years.`, 'termYears');
  return ok(model);
}

export function findLicenseModel(
  sku: string,
  catalog: readonly LicenseModel[] = GATEWAY_LICENSE_MODELS,
): Result<LicenseModel> {
  const model = catalog.find((candidate) => candidate.sku === sku);
  if (model === undefined)
    return fail('license_model_unknown', `There is no gateway license model ${JSON.stringify(sku)}.`, 'sku');
  return checkLicenseModel(model);
}

/** What a gateway license key holds: one model, and how many licenses of it. */
export interface GatewayKeyContent {
  sku: string;
  quantity: number;
}

/** What "Add license" shows before the key is applied. */
export interface GatewayKeyPreview {
  model: LicenseModel;
  quantity: number;
  /** VPN users of all its licenses together (each still goes to one gateway). */
  totalUsers: number;
  /** For people: `2 × SPC-1YR-LIC (20 VPN users each, 1 year)`. */
  summary: string;
}

export function previewGatewayKey(
  content: GatewayKeyContent,
  catalog: readonly LicenseModel[] = GATEWAY_LICENSE_MODELS,
): Result<GatewayKeyPreview> {
  if (!positiveInteger(content.quantity) || content.quantity > MAX_LICENSES_PER_KEY)
    return fail(
      'validation_failed',
      `A license key holds 1 to ${MAX_LICENSES_PER_KEY} licenses; this one says ${content.quantity}.`,
      'quantity',
    );
  const found = findLicenseModel(content.sku, catalog);
  if (!found.ok) return found;
  const model = found.value;
  const gives = model.kind === 'pro' ? 'Pro features' : `${plural(model.users, 'VPN user')} each`;
  return ok({
    model,
    quantity: content.quantity,
    totalUsers: model.users * content.quantity,
    summary: `${content.quantity} × ${model.sku} (${gives}, ${plural(model.termYears, 'year')})`,
  });
}

/** Applying a key "unzips" it: one license line per unit, all of the same model. */
export const unzipGatewayKey = (preview: GatewayKeyPreview): LicenseModel[] =>
  Array.from({ length: preview.quantity }, () => preview.model);

/**
 * A license's term runs from its activation date for its model's years. We activate a license when
 * it is first associated with a device: GATEWAYS.md, "Activation date: the day the license's term
 * begins", and a license sitting unassociated in the inventory gives nobody anything. The instant of
 * the association starts it, so seats come at once and are not back-dated to midnight.
 */
export const licenseTerm = (model: Pick<LicenseModel, 'termYears'>, activatedAt: Date): Window => ({
  starts: activatedAt,
  ends: addYears(activatedAt, model.termYears),
});
