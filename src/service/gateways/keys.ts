import type { Static } from '@sinclair/typebox';
import type { IssuedGatewayKey, KeyPreview } from '../../contract/gateways.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { type GatewayKeyPreview, previewGatewayKey, unzipGatewayKey } from '../../domain/gateway-license.js';
import { newId, newOrderNumber } from '../../domain/ids.js';
import {
  formatLicenseKey,
  generateLicenseKey,
  licenseKeyDigest,
  licenseKeyHint,
  parseLicenseKey,
} from '../../domain/license-key.js';
import { accountExists } from '../accounts/operations.js';
import { recordAudit } from '../audit/log.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { seal, unseal } from '../secrets/seal.js';
import type { Database } from '../store/database.js';
import type { GatewayKeyRow } from '../store/gateway-schema.js';
import { inTransaction } from '../store/transaction.js';
import { actorOf, administeredOrganization } from './access.js';

/**
 * Gateway license keys: what an order (or staff) delivers, one model and a quantity; shown before
 * it is applied, then "unzipped" into that many licenses in an organization, once and for good.
 * Keys have the fixed keys' format and are kept the same way: a digest to find them, sealed to show.
 */
export type KeyPreviewView = Static<typeof KeyPreview>;
export type IssuedKeyView = Static<typeof IssuedGatewayKey>;

const previewView = (row: GatewayKeyRow, preview: GatewayKeyPreview): KeyPreviewView => ({
  keyHint: row.key_hint,
  sku: preview.model.sku,
  name: preview.model.name,
  kind: preview.model.kind,
  users: preview.model.users,
  quantity: preview.quantity,
  termYears: preview.model.termYears,
  totalUsers: preview.totalUsers,
  summary: preview.summary,
  added: row.organization_id !== null,
  addedTo: row.organization_id,
});

/** Issues a key in the caller's transaction (staff, or an order paid for). */
export async function issueGatewayKeyIn(
  tx: Database,
  ctx: ServiceContext,
  input: { accountId: string; sku: string; quantity: number; orderNumber?: string | null; actor: string },
  now: Date,
): Promise<Result<IssuedKeyView>> {
  const preview = previewGatewayKey({ sku: input.sku, quantity: input.quantity });
  if (!preview.ok) return preview;
  const key = generateLicenseKey();
  const canonical = parseLicenseKey(key);
  if (!canonical.ok) throw new Error('generated a license key that does not parse');
  const row: GatewayKeyRow = {
    id: newId('gwk', now.getTime()),
    account_id: input.accountId,
    key_digest: licenseKeyDigest(canonical.value),
    key_sealed: seal(key, ctx.vendor.dataKey),
    key_hint: licenseKeyHint(canonical.value),
    sku: input.sku,
    quantity: input.quantity,
    order_number: input.orderNumber === undefined ? newOrderNumber() : input.orderNumber,
    created_at: now.getTime(),
    organization_id: null,
    added_at: null,
  };
  await tx.insertInto('gateway_keys').values(row).execute();
  await recordAudit(tx, now, [
    {
      actor: input.actor,
      accountId: row.account_id,
      entity: 'gateway_key',
      entityId: row.id,
      action: 'issued',
      after: { keyHint: row.key_hint, sku: row.sku, quantity: row.quantity, orderNumber: row.order_number },
    },
  ]);
  return ok({ id: row.id, key: formatLicenseKey(canonical.value), preview: previewView(row, preview.value) });
}

/** Staff issue a gateway key to an account (what an order does when it is paid). */
export async function issueGatewayKey(
  ctx: ServiceContext,
  principal: Principal,
  input: { accountId: string; sku: string; quantity: number },
): Promise<Result<IssuedKeyView>> {
  const account = await accountExists(ctx, input.accountId);
  if (!account.ok) return account;
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, (tx) =>
    issueGatewayKeyIn(tx, ctx, { ...input, actor: actorOf(principal) }, now),
  );
}

/** An issued key with the key itself, as its account and staff read it (an order paid, a key issued). */
export async function findGatewayKey(ctx: ServiceContext, id: string): Promise<IssuedKeyView | undefined> {
  const row = await ctx.store.db
    .selectFrom('gateway_keys')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const preview = previewGatewayKey({ sku: row.sku, quantity: row.quantity });
  if (!preview.ok) throw new Error(`the gateway key ${row.id} holds an unknown model ${row.sku}`);
  return {
    id: row.id,
    key: unseal(row.key_sealed, ctx.vendor.dataKey),
    preview: previewView(row, preview.value),
  };
}

/** One issued key for staff or the owner of its account; another account's answers as unknown. */
export async function showGatewayKey(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
): Promise<Result<IssuedKeyView>> {
  const row = await ctx.store.db
    .selectFrom('gateway_keys')
    .select('account_id')
    .where('id', '=', id)
    .executeTakeFirst();
  const unknown = fail('license_key_not_found', `There is no gateway license key ${id}.`, 'id');
  if (row === undefined) return unknown;
  if (principal.kind === 'account' && (principal.accountId !== row.account_id || principal.role !== 'owner'))
    return unknown;
  const found = await findGatewayKey(ctx, id);
  return found === undefined ? unknown : ok(found);
}

async function keyByTyped(db: Database, typed: string): Promise<Result<GatewayKeyRow>> {
  const canonical = parseLicenseKey(typed);
  if (!canonical.ok) return canonical;
  const row = await db
    .selectFrom('gateway_keys')
    .selectAll()
    .where('key_digest', '=', licenseKeyDigest(canonical.value))
    .executeTakeFirst();
  return row === undefined
    ? fail(
        'license_key_not_found',
        'There is no gateway license key like this one: check what you typed.',
        'key',
      )
    : ok(row);
}

/** "Add license", first step: what the key holds, to check before applying it. */
export async function previewKey(
  ctx: ServiceContext,
  principal: Principal,
  typed: string,
): Promise<Result<KeyPreviewView>> {
  const row = await keyByTyped(ctx.store.db, typed);
  if (!row.ok) return row;
  const preview = previewGatewayKey({ sku: row.value.sku, quantity: row.value.quantity });
  if (!preview.ok) return preview;
  const view = previewView(row.value, preview.value);
  // Which organization claimed it is told to that organization's administrators only.
  const addedTo = view.addedTo;
  if (addedTo === null) return ok(view);
  const administers = (await administeredOrganization(ctx.store.db, principal, addedTo)).ok;
  return ok(administers ? view : { ...view, addedTo: null });
}

/**
 * "Add license", applied: the key is claimed by the organization and unzipped into its licenses,
 * unassociated, their terms not started. A key is added once; twice at once, one wins.
 */
export async function addKey(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
  typed: string,
): Promise<Result<{ preview: KeyPreviewView; licenseIds: string[] }>> {
  const now = ctx.clock.now();
  // Who may add to the organization is asked first: another account's organization is unknown,
  // whatever key comes with it.
  const organization = await administeredOrganization(ctx.store.db, principal, organizationId);
  if (!organization.ok) return organization;
  const canonical = parseLicenseKey(typed);
  if (!canonical.ok) return canonical;
  const digest = licenseKeyDigest(canonical.value);
  return inTransaction(ctx.store.db, async (tx) => {
    // The claim is the transaction's first statement: SQLite takes its write lock at once.
    const claimed = await tx
      .updateTable('gateway_keys')
      .set({ organization_id: organizationId, added_at: now.getTime() })
      .where('key_digest', '=', digest)
      .where('organization_id', 'is', null)
      .executeTakeFirst();
    const found = await keyByTyped(tx, typed);
    if (!found.ok) return found;
    // A key is its buyer's: someone who learned it cannot add it to an organization of their own.
    if (found.value.account_id !== organization.value.account_id)
      return fail(
        'license_key_not_found',
        'There is no gateway license key like this one: check what you typed.',
        'key',
      );
    if (claimed.numUpdatedRows === 0n)
      return fail(
        'license_key_claimed',
        `The key …${found.value.key_hint} was added to an organization already: move its licenses from there.`,
        'key',
      );
    const preview = previewGatewayKey({ sku: found.value.sku, quantity: found.value.quantity });
    if (!preview.ok) return preview;
    const licenses = unzipGatewayKey(preview.value).map((model) => ({
      id: newId('gwl', now.getTime()),
      key_id: found.value.id,
      organization_id: organizationId,
      sku: model.sku,
      kind: model.kind,
      users: model.users,
      term_years: model.termYears,
      device_id: null,
      associated_at: null,
      activated_at: null,
      created_at: now.getTime(),
      version: 0,
    }));
    for (let at = 0; at < licenses.length; at += 500)
      await tx
        .insertInto('gateway_licenses')
        .values(licenses.slice(at, at + 500))
        .execute();
    await recordAudit(tx, now, [
      {
        actor: actorOf(principal),
        accountId: organization.value.account_id,
        entity: 'gateway_key',
        entityId: found.value.id,
        action: 'added',
        after: { organizationId, keyHint: found.value.key_hint, licenses: licenses.length },
      },
    ]);
    return ok({ preview: previewView(found.value, preview.value), licenseIds: licenses.map((l) => l.id) });
  });
}
