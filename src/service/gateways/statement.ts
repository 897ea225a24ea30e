import type { Static } from '@sinclair/typebox';
import type { StatementAnswer, StatementRequest } from '../../contract/gateways.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import {
  GATEWAY_LEASE_TTL_MS,
  GATEWAY_REFRESH_MS,
  type LeaseCandidate,
  planLeases,
  sharedNeed,
} from '../../domain/gateway-leases.js';
import { associationStatus } from '../../domain/gateway-lifecycle.js';
import { gatewaySeats } from '../../domain/gateway-seats.js';
import { sharedLicensePool } from '../../domain/gateway-sharing.js';
import { type GatewayStatementPayload, signGatewayStatement } from '../../domain/gateway-statement.js';
import { isWithin } from '../../domain/terms.js';
import type { ServiceContext } from '../context.js';
import { tokenDigest } from '../secrets/seal.js';
import type { Database } from '../store/database.js';
import { inTransaction } from '../store/transaction.js';
import { lockOrganizations } from './access.js';
import { type DeviceBindings, deviceBindings } from './bindings.js';
import { deviceByCredential, liveLeasesOf, setLease, sharedLicenseIds } from './lease-repository.js';
import { type HeldLicense, lockLicense, replicasOf, termOf } from './repository.js';

/**
 * The gateway asks, with its device credential, for its signed statement: the licenses bound to it
 * and, of each shared license, the seats it holds of the pool until when. Asking renews its leases,
 * sized to what it needs beyond its own seats; the gateway admits tunnels from the statement alone.
 */
export type StatementRequestBody = Static<typeof StatementRequest>;
export type StatementAnswerView = Static<typeof StatementAnswer>;

const credentialInvalid = () =>
  fail(
    'device_credential_invalid',
    'The device credential is not known (or the gateway was enrolled again since): enroll it with a new enrollment code from an administrator of its organization.',
  );

/** Each shared license's pool and live leases, in the order given (the order the rows were locked in). */
async function leaseCandidates(
  tx: Database,
  held: DeviceBindings,
  licenseIds: readonly string[],
  now: Date,
): Promise<LeaseCandidate[]> {
  const byId = new Map<string, HeldLicense>([...held.own, ...held.replicas].map((row) => [row.id, row]));
  const candidates: LeaseCandidate[] = [];
  for (const licenseId of licenseIds) {
    const license = byId.get(licenseId);
    // Shared since the rows were locked: leased at the next statement, none is held until then.
    if (license === undefined || !held.shared.has(licenseId)) continue;
    const term = termOf(license);
    const pool = sharedLicensePool(
      {
        licenseId,
        organizationId: license.organization_id,
        deviceId: license.device_id,
        kind: license.kind,
        users: license.users,
        term,
      },
      await replicasOf(tx, [licenseId]),
    );
    candidates.push({
      pool,
      leases: await liveLeasesOf(tx, licenseId, now.getTime()),
      active: term !== null && license.kind === 'secupoint' && isWithin(term, now),
    });
  }
  return candidates;
}

/** The signed statement of what the store holds for the device now, leases included. */
async function statementOf(
  ctx: ServiceContext,
  tx: Database,
  device: { id: string; organizationId: string },
  now: Date,
): Promise<StatementAnswerView> {
  const held = await deviceBindings(tx, device.id, now);
  const skuOf = new Map([...held.own, ...held.replicas].map((row) => [row.id, row.sku]));
  // A license still Merging may be undone and associated elsewhere: vouched for one lease's time.
  const mergingUntil = new Date(now.getTime() + GATEWAY_LEASE_TTL_MS).toISOString();
  const merging = new Set(
    held.own
      .filter(
        (row) =>
          row.associated_at !== null && associationStatus(new Date(row.associated_at), now) === 'merging',
      )
      .map((row) => row.id),
  );
  const payload: GatewayStatementPayload = {
    format: 'seatkeeper-gateway-statement/1',
    kid: ctx.vendor.kid,
    deviceId: device.id,
    organizationId: device.organizationId,
    issuedAt: now.toISOString(),
    validUntil: new Date(now.getTime() + ctx.policy.certificateTtlMs).toISOString(),
    licenses: held.bindings.map((binding) => ({
      licenseId: binding.licenseId,
      keyHint: binding.keyHint,
      sku: skuOf.get(binding.licenseId) ?? '',
      kind: binding.kind,
      users: binding.users,
      starts: binding.term.starts.toISOString(),
      ends: binding.term.ends.toISOString(),
      ...(merging.has(binding.licenseId) ? { trustedUntil: mergingUntil } : {}),
      lease:
        binding.lease === undefined
          ? null
          : { seats: binding.lease.seats, until: binding.lease.until.toISOString() },
    })),
  };
  return {
    statement: signGatewayStatement(payload, ctx.vendor.privateKey),
    refreshAfterMs: GATEWAY_REFRESH_MS,
  };
}

/**
 * One transaction. A gateway in shared licenses first locks its organization, as every console
 * change to the organization's devices, licenses and replicas does (so no replica comes or goes
 * under its leases), then the licenses' rows in id order, so that lease changes of one license
 * from any service process run one after another and its leases never add up to more than its
 * users; then each lease is set, the device marked seen, and the statement read and signed.
 */
export async function gatewayStatement(
  ctx: ServiceContext,
  credential: string,
  request: StatementRequestBody,
): Promise<Result<StatementAnswerView>> {
  const now = ctx.clock.now();
  const digest = tokenDigest(credential);
  const device = await deviceByCredential(ctx.store.db, digest);
  if (device === undefined) return credentialInvalid();
  if (device.replaced_by !== null)
    return fail(
      'device_replaced',
      `Gateway ${device.id} was replaced by ${device.replaced_by}: its licenses are on the replacement; enroll that one.`,
    );
  const shared = await sharedLicenseIds(ctx.store.db, device.id);

  return inTransaction(ctx.store.db, async (tx) => {
    if (shared.length > 0) {
      await lockOrganizations(tx, ctx.store.engine, { deviceIds: [device.id] });
      for (const licenseId of shared) await lockLicense(tx, licenseId);
    }
    const seen = await tx
      .updateTable('gateway_devices')
      .set({ last_seen_at: now.getTime() })
      .where('id', '=', device.id)
      .where('credential_digest', '=', digest)
      .where('replaced_by', 'is', null)
      .returning(['id', 'organization_id'])
      .executeTakeFirst();
    // Enrolled again or replaced since it was read: this credential no longer speaks for it.
    if (seen === undefined) return credentialInvalid();

    if (shared.length > 0) {
      const held = await deviceBindings(tx, device.id, now);
      const unshared = held.bindings.filter((binding) => !held.shared.has(binding.licenseId));
      const need = sharedNeed(request, gatewaySeats(unshared, now).seats);
      const plan = planLeases(need, await leaseCandidates(tx, held, shared, now), device.id);
      const until = now.getTime() + GATEWAY_LEASE_TTL_MS;
      for (const [licenseId, seats] of plan)
        await setLease(tx, { licenseId, deviceId: device.id, seats, until });
    }
    return ok(await statementOf(ctx, tx, { id: seen.id, organizationId: seen.organization_id }, now));
  });
}
