import type { IssueLicense, License, LicenseStatus } from '../../contract/licenses.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { newId, newOrderNumber } from '../../domain/ids.js';
import { keyStatusReason } from '../../domain/key-status.js';
import {
  generateLicenseKey,
  licenseKeyDigest,
  licenseKeyHint,
  parseLicenseKey,
} from '../../domain/license-key.js';
import { termFromPurchase, type Window } from '../../domain/terms.js';
import { accountExists } from '../accounts/operations.js';
import { recordAudit } from '../audit/log.js';
import { canManageAccount, canSeeAccount, type Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { seal, unseal } from '../secrets/seal.js';
import type { Database } from '../store/database.js';
import type { LicenseRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import {
  type BoundLicenseRow,
  boundLicenses,
  insertLicenses,
  licenseByDigest,
  linkedKeys,
} from './license-repository.js';

export type { LicenseStatus };

/** A license as its owner and staff read it: the contract's shape. */
export type LicenseView = License;

export function licenseStatus(license: LicenseRow, bound: boolean, now: Date): LicenseStatus {
  // A replaced key works on for its overlap week: revoked from the instant it stops.
  if (license.revoked_at !== null && now.getTime() >= license.revoked_at) return 'revoked';
  // A legacy key bound to its machine goes on working there after its support term.
  if (now.getTime() >= license.ends_at && !(license.legacy === 1 && bound)) return 'expired';
  return bound ? 'active' : 'not_activated';
}

/** What a key's status says of the keys it links to: those made from it, the one it stands in for. */
type KeyLinks = Awaited<ReturnType<typeof linkedKeys>>;

function licenseView(ctx: ServiceContext, row: BoundLicenseRow, links: KeyLinks): LicenseView {
  const bound = row.server_id !== null;
  const now = ctx.clock.now();
  const successors = links.childrenOf.get(row.id) ?? [];
  const revokedAt = row.revoked_at === null ? null : new Date(row.revoked_at);
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.failover_of === null ? 'fixed' : 'failover',
    key: unseal(row.key_sealed, ctx.vendor.dataKey),
    connections: row.seats,
    termYears: row.term_years,
    purchasedAt: new Date(row.purchased_at).toISOString(),
    starts: new Date(row.starts_at).toISOString(),
    ends: new Date(row.ends_at).toISOString(),
    status: licenseStatus(row, bound, now),
    statusReason: keyStatusReason(
      {
        endedReason: row.ended_reason,
        stopsAt: revokedAt,
        successors: successors.map((successor) => successor.keyHint),
        failoverOf: row.failover_of === null ? null : (links.hintOf.get(row.failover_of) ?? null),
      },
      now,
    ),
    successors,
    endedReason: row.ended_reason,
    parentId: row.parent_id,
    failoverOf: row.failover_of,
    orderNumber: row.order_number,
    legacy: row.legacy === 1,
    revokedAt: revokedAt === null ? null : revokedAt.toISOString(),
    server:
      row.server_id === null
        ? null
        : {
            serverId: row.server_id,
            hostname: row.hostname ?? '',
            activatedAt: new Date(row.activated_at ?? 0).toISOString(),
          },
  };
}

/** A key to issue: the contract's request, with its start as an instant and who issues it, for the audit log (a user id, or `operator` at the command line). */
export type IssueLicenseInput = Omit<IssueLicense, 'purchasedAt'> & {
  purchasedAt?: Date | undefined;
  actor?: string | undefined;
};

/** A new key's row: a fresh key, sealed for its owner, for `seats` connections over `term`. */
export function newKeyRow(
  ctx: ServiceContext,
  now: Date,
  facts: {
    accountId: string;
    seats: number;
    termYears: number;
    purchasedAt: Date;
    term: Window;
    parentId?: string;
    failoverOf?: string;
    /** A new order by default; keys made from a key keep its order. */
    orderNumber?: string | null;
    legacy?: boolean;
  },
): { row: Omit<LicenseRow, 'version'>; key: string } {
  const key = generateLicenseKey();
  const canonical = parseLicenseKey(key);
  if (!canonical.ok) throw new Error('generated a license key that does not parse');
  return {
    key,
    row: {
      id: newId('lic', now.getTime()),
      account_id: facts.accountId,
      kind: 'fixed',
      key_digest: licenseKeyDigest(canonical.value),
      key_sealed: seal(key, ctx.vendor.dataKey),
      key_hint: licenseKeyHint(canonical.value),
      seats: facts.seats,
      term_years: facts.termYears,
      purchased_at: facts.purchasedAt.getTime(),
      starts_at: facts.term.starts.getTime(),
      ends_at: facts.term.ends.getTime(),
      revoked_at: null,
      created_at: now.getTime(),
      ended_reason: null,
      parent_id: facts.parentId ?? null,
      failover_of: facts.failoverOf ?? null,
      order_number: facts.orderNumber === undefined ? newOrderNumber() : facts.orderNumber,
      legacy: facts.legacy === true ? 1 : 0,
    },
  };
}

/**
 * An account's members use its keys but do not see its invoices: the order number stays the
 * owner's (and staff's), so that a member's support request still has to prove it.
 */
export const asSeenBy =
  (principal: Principal) =>
  (view: LicenseView): LicenseView =>
    canManageAccount(principal, view.accountId) ? view : { ...view, orderNumber: null };

/** What the audit log keeps of a key: never the key itself, only its last group. */
export const auditedKey = (
  row: Pick<
    LicenseRow,
    | 'key_hint'
    | 'seats'
    | 'starts_at'
    | 'ends_at'
    | 'term_years'
    | 'revoked_at'
    | 'ended_reason'
    | 'parent_id'
    | 'failover_of'
    | 'account_id'
  >,
) => ({
  keyHint: row.key_hint,
  accountId: row.account_id,
  connections: row.seats,
  termYears: row.term_years,
  starts: new Date(row.starts_at).toISOString(),
  ends: new Date(row.ends_at).toISOString(),
  revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at).toISOString(),
  endedReason: row.ended_reason,
  parentId: row.parent_id,
  failoverOf: row.failover_of,
});

/** Staff issue a fixed key: N concurrent connections, a support term from the purchase date. */
export async function issueLicense(
  ctx: ServiceContext,
  input: IssueLicenseInput,
): Promise<Result<LicenseView>> {
  const account = await accountExists(ctx, input.accountId);
  if (!account.ok) return account;
  const now = ctx.clock.now();
  const years = input.years ?? 1;
  const purchased = input.purchasedAt?.getUTCFullYear();
  // NaN (an instant Date cannot hold, such as a leap second) fails this test too.
  if (purchased !== undefined && !(purchased >= 2000 && purchased <= 2099)) {
    return fail('validation_failed', 'The purchase date must fall between 2000 and 2099.', 'purchasedAt');
  }
  const purchasedAt = input.purchasedAt ?? now;
  const { row } = newKeyRow(ctx, now, {
    accountId: input.accountId,
    seats: input.connections,
    termYears: years,
    purchasedAt,
    term: termFromPurchase(purchasedAt, years),
    legacy: input.legacy === true,
  });
  await inTransaction(ctx.store.db, async (tx) => {
    await insertLicenses(tx, row);
    await recordAudit(tx, now, [
      {
        actor: input.actor ?? 'operator',
        accountId: row.account_id,
        entity: 'license',
        entityId: row.id,
        action: 'issued',
        after: auditedKey(row),
      },
    ]);
    return ok(undefined);
  });
  const stored = await findLicense(ctx, row.id);
  if (stored === undefined) throw new Error(`issued ${row.id} but cannot read it back`);
  return ok(stored);
}

export async function findLicense(ctx: ServiceContext, id: string): Promise<LicenseView | undefined> {
  const [[row], links] = await Promise.all([
    boundLicenses(ctx.store.db, { id }),
    linkedKeys(ctx.store.db, { id }),
  ]);
  return row === undefined ? undefined : licenseView(ctx, row, links);
}

export async function listLicenses(
  ctx: ServiceContext,
  filter: { accountId?: string | undefined },
): Promise<LicenseView[]> {
  const [rows, links] = await Promise.all([
    boundLicenses(ctx.store.db, { accountId: filter.accountId }),
    linkedKeys(ctx.store.db, { accountId: filter.accountId }),
  ]);
  return rows.map((row) => licenseView(ctx, row, links));
}

export const keyNotFound = () =>
  fail(
    'license_key_not_found',
    'This license key was never issued: check that it is the key from your order.',
    'key',
  );

/** Looks a typed key up: a mistyped key and an unknown key are different answers. */
export async function findLicenseByKey(db: Database, typed: string): Promise<Result<LicenseRow>> {
  const canonical = parseLicenseKey(typed);
  if (!canonical.ok) return canonical;
  const row = await licenseByDigest(db, licenseKeyDigest(canonical.value));
  return row === undefined ? keyNotFound() : ok(row);
}

/**
 * A license by its key, for a caller who has the key but not the id. Another account's key
 * answers exactly as a key never issued: a lookup tells nobody that someone else's key exists.
 */
export async function lookUpLicense(
  ctx: ServiceContext,
  principal: Principal,
  typed: string,
): Promise<Result<LicenseView>> {
  const found = await findLicenseByKey(ctx.store.db, typed);
  if (!found.ok && found.error.code !== 'license_key_not_found') return found;
  const license = found.ok ? await findLicense(ctx, found.value.id) : undefined;
  if (license === undefined || !canSeeAccount(principal, license.accountId)) {
    return fail(
      'license_key_not_found',
      'No license you may see has this key: check that it is the key from your order.',
      'key',
    );
  }
  return ok(asSeenBy(principal)(license));
}
