import type { ActivationAnswer, ActivationRequest } from '../../contract/activation.js';
import { type LicenseCertificate, signCertificate } from '../../domain/certificate.js';
import { fail, ok, type Result, verifyFailMessage } from '../../domain/errors.js';
import {
  describeDifference,
  differingProperties,
  type Fingerprint,
  type FingerprintProperty,
  fingerprintOf,
  type PropertyDigests,
} from '../../domain/fingerprint.js';
import { newId } from '../../domain/ids.js';
import { licenseRevision } from '../../domain/license-revision.js';
import { judgeMachineChange } from '../../domain/machine-change.js';
import { isoDate } from '../../domain/terms.js';
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import { takeLicense } from '../licenses/license-repository.js';
import { findLicenseByKey, keyNotFound } from '../licenses/operations.js';
import type { ActivationRow, LicenseRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import {
  activationById,
  bindingOf,
  followMachine,
  insertActivation,
  recordCertificate,
} from './activation-repository.js';

export type { ActivationRequest };

/** A request whose key names a usable license, with what it claims worked out once. */
interface Claim {
  request: ActivationRequest;
  license: LicenseRow;
  machine: Fingerprint;
  now: Date;
  /** Offline: nothing will refresh the certificate, so it lives to the end of the key's term. */
  offline: boolean;
}

/** The last instant a Date can hold. */
const MAX_INSTANT = 8_640_000_000_000_000;

const expiredRefusal = (license: LicenseRow) =>
  fail(
    'license_expired',
    `This license key's support term ended on ${isoDate(new Date(license.ends_at))}: renew it or buy a new key.`,
    'key',
  );

/** The seeds' refusal for a key bound to another server than the one asking. */
export const boundElsewhere = () =>
  fail(
    'key_already_activated',
    verifyFailMessage(
      'this license key is already activated on another server; a key can be activated on one server only',
    ),
    'key',
  );

const revokedRefusal = () =>
  fail('license_revoked', 'This license key has been revoked and can no longer be used.', 'key');

/**
 * What every request for a key must pass, bound or not: a key that has stopped, a key of the
 * other kind, or a key past its term (a legacy key excepted: its machine keeps it for good).
 */
function usable(license: LicenseRow, request: ActivationRequest, now: Date): Result<void> {
  // A replaced key works on for its overlap week; a refunded or split one stops at once.
  if (license.revoked_at !== null && now.getTime() >= license.revoked_at) return revokedRefusal();
  const failoverKey = license.failover_of !== null;
  if (failoverKey && request.failover !== true)
    return fail(
      'failover_key_mismatch',
      'This is a failover license key: it can only be activated on an integrated failover (standby) server, as a failover key.',
      'key',
    );
  if (!failoverKey && request.failover === true)
    return fail(
      'failover_key_mismatch',
      'An ordinary license key cannot be activated on a failover server: ask for the failover key of your key.',
      'key',
    );
  if (now.getTime() >= license.ends_at && license.legacy !== 1) return expiredRefusal(license);
  return ok(undefined);
}

/**
 * What a new binding needs on top: a key that will never stop (a replaced key in its overlap
 * week stays on its machine) and is within its term, legacy or not.
 */
function bindable(license: LicenseRow, now: Date): Result<void> {
  if (license.revoked_at !== null) return revokedRefusal();
  if (now.getTime() >= license.ends_at) return expiredRefusal(license);
  return ok(undefined);
}

async function claim(
  ctx: ServiceContext,
  request: ActivationRequest,
  offline = false,
): Promise<Result<Claim>> {
  const found = await findLicenseByKey(ctx.store.db, request.key);
  if (!found.ok) return found;
  const license = found.value;
  const now = ctx.clock.now();
  const allowed = usable(license, request, now);
  if (!allowed.ok) return allowed;
  return ok({ request, license, machine: fingerprintOf(request.fingerprint), now, offline });
}

/**
 * The binding must be this server on this machine, or on one changed within the tolerance;
 * anything else is the seeds' refusal. Says which properties differ, for a change to follow.
 */
function judgeBinding(
  activation: ActivationRow,
  { request, machine }: Claim,
): Result<{ differing: FingerprintProperty[]; follow: boolean }> {
  if (activation.server_id !== request.serverId) return boundElsewhere();
  const differing = differingProperties(
    JSON.parse(activation.fingerprint) as PropertyDigests,
    machine.properties,
  );
  const change = judgeMachineChange(differing, activation.renegotiations);
  if (change.kind === 'refused')
    return fail('fingerprint_mismatch', verifyFailMessage(change.what), 'fingerprint');
  return ok({ differing, follow: change.kind === 'renegotiate' });
}

/**
 * A machine that changed within the tolerance is followed (at most 3 times in the key's
 * lifetime): the binding moves to it, conditionally on the fingerprint it held, so racing
 * requests move it once.
 */
async function sameBinding(
  ctx: ServiceContext,
  activation: ActivationRow,
  claimed: Claim,
): Promise<Result<ActivationRow>> {
  const judged = judgeBinding(activation, claimed);
  if (!judged.ok) return judged;
  const { differing, follow } = judged.value;
  if (!follow) return ok(activation);
  const { request, machine, license, now } = claimed;
  const moved = { fingerprint_digest: machine.digest, fingerprint: JSON.stringify(machine.properties) };
  const followed = await inTransaction(ctx.store.db, async (tx) => {
    const row = await followMachine(tx, activation.id, activation.fingerprint_digest, moved);
    if (row === undefined) {
      // Another request moved it first: fine if it moved it here.
      const current = await activationById(tx, activation.id);
      if (current === undefined) throw new Error(`the activation ${activation.id} is gone`);
      return current.fingerprint_digest === machine.digest
        ? ok(current)
        : fail('fingerprint_mismatch', verifyFailMessage(describeDifference(differing)), 'fingerprint');
    }
    await recordAudit(tx, now, [
      {
        actor: request.serverId,
        accountId: license.account_id,
        entity: 'activation',
        entityId: activation.id,
        action: 'renegotiated',
        before: { fingerprint: activation.fingerprint_digest, renegotiations: activation.renegotiations },
        after: {
          fingerprint: machine.digest,
          renegotiations: row.renegotiations,
          changed: differing,
        },
      },
    ]);
    return ok(row);
  });
  return followed;
}

function certify(
  ctx: ServiceContext,
  { request, license, machine, now, offline }: Claim,
): LicenseCertificate {
  // Offline, nothing refreshes it: to the end of the term, or for good on a legacy key's machine.
  const offlineEnd = license.legacy === 1 ? MAX_INSTANT : license.ends_at;
  const lifetimeEnd = offline ? offlineEnd : now.getTime() + ctx.policy.certificateTtlMs;
  return signCertificate(
    {
      format: 'seatkeeper-license-certificate/1',
      kid: ctx.vendor.kid,
      licenseId: license.id,
      keyHint: license.key_hint,
      kind: license.failover_of === null ? 'fixed' : 'failover',
      ...(license.legacy === 1 ? { legacy: true as const } : {}),
      seats: license.seats,
      starts: new Date(license.starts_at).toISOString(),
      ends: new Date(license.ends_at).toISOString(),
      serverId: request.serverId,
      fingerprint: machine,
      nonce: request.nonce,
      issuedAt: now.toISOString(),
      // Never past the instant the key stops (a replaced key's overlap week).
      expiresAt: new Date(
        Math.min(lifetimeEnd, license.revoked_at ?? Number.POSITIVE_INFINITY),
      ).toISOString(),
    },
    ctx.vendor.privateKey,
  );
}

/** A fresh certificate for an existing binding, if the request is that binding. */
async function confirm(
  ctx: ServiceContext,
  activation: ActivationRow,
  claimed: Claim,
): Promise<Result<ActivationAnswer>> {
  const same = await sameBinding(ctx, activation, claimed);
  if (!same.ok) return same;
  await recordCertificate(ctx.store.db, activation.id, claimed.now);
  const certificate = certify(ctx, claimed);
  return ok({
    licenseId: claimed.license.id,
    activationId: activation.id,
    created: false,
    certificate,
    // Of the same row as the certificate: the agent asks again when the service's revision moves on.
    revision: licenseRevision(claimed.license),
  });
}

/**
 * Online activation. The first server binds the key for good; the same server asking again gets
 * a fresh certificate; any other server is refused. Racing requests take the key's row one after
 * another, so exactly one binds it (and the unique license_id of an activation backs that).
 */
export async function activate(
  ctx: ServiceContext,
  request: ActivationRequest,
  options: { offline?: boolean } = {},
): Promise<Result<ActivationAnswer>> {
  const claimed = await claim(ctx, request, options.offline === true);
  if (!claimed.ok) return claimed;
  const { license, machine, now } = claimed.value;
  const activationId = newId('act', now.getTime());
  const binding = {
    id: activationId,
    license_id: license.id,
    server_id: request.serverId,
    fingerprint_digest: machine.digest,
    fingerprint: JSON.stringify(machine.properties),
    hostname: request.fingerprint.hostname,
    activated_at: now.getTime(),
    refreshed_at: now.getTime(),
  };
  // The key's row is taken first, as refunds and splits take it: a key refunded or renewed
  // meanwhile is seen here as it now is, and a refund after this commit sees the activation.
  const taken = await inTransaction<{ license: LicenseRow; existing: ActivationRow | undefined }>(
    ctx.store.db,
    async (tx) => {
      const current = await takeLicense(tx, claimed.value.license.id);
      if (current === undefined) throw new Error(`the key ${claimed.value.license.id} is gone`);
      const allowed = usable(current, request, now);
      if (!allowed.ok) return allowed;
      // This server's own binding is confirmed by its own rules; for any other server the request
      // is one for a new binding, refused as such first.
      const existing = await bindingOf(tx, current.id);
      if (existing?.server_id !== request.serverId) {
        const newBinding = bindable(current, now);
        if (!newBinding.ok) return newBinding;
      }
      if (existing !== undefined) {
        // Judged here, so that a refusal rolls back taking the key's row and writes nothing.
        const judged = judgeBinding(existing, { ...claimed.value, license: current });
        return judged.ok ? ok({ license: current, existing }) : judged;
      }
      await insertActivation(tx, binding);
      await recordAudit(tx, now, [
        {
          actor: request.serverId,
          accountId: current.account_id,
          entity: 'activation',
          entityId: activationId,
          action: 'activated',
          after: {
            licenseId: current.id,
            serverId: request.serverId,
            hostname: binding.hostname,
            fingerprint: machine.digest,
          },
        },
      ]);
      return ok({ license: current, existing: undefined });
    },
  );
  if (!taken.ok) return taken;
  const current = { ...claimed.value, license: taken.value.license };
  if (taken.value.existing === undefined)
    return ok({
      licenseId: license.id,
      activationId,
      created: true,
      certificate: certify(ctx, current),
      revision: licenseRevision(current.license),
    });
  return confirm(ctx, taken.value.existing, current);
}

/** A bound server's fresh certificate before its TTL ends. Never makes a new binding. */
export async function refresh(
  ctx: ServiceContext,
  request: ActivationRequest,
): Promise<Result<ActivationAnswer>> {
  const claimed = await claim(ctx, request);
  if (!claimed.ok) return claimed;
  const existing = await bindingOf(ctx.store.db, claimed.value.license.id);
  if (existing === undefined) {
    return fail(
      'not_activated',
      'This license key is not activated yet: activate it before refreshing.',
      'key',
    );
  }
  return confirm(ctx, existing, claimed.value);
}

/**
 * Offline activation, for a server with no route to the service: its request file, submitted by
 * the key's account (or staff), gets the same binding rules and a certificate that lives to the
 * end of the key's term. A key of another account is answered as unknown.
 */
export async function activateOffline(
  ctx: ServiceContext,
  submitter: { accountId: string | undefined },
  request: ActivationRequest,
): Promise<Result<ActivationAnswer>> {
  const found = await findLicenseByKey(ctx.store.db, request.key);
  if (!found.ok) return found;
  if (submitter.accountId !== undefined && found.value.account_id !== submitter.accountId)
    return keyNotFound();
  return activate(ctx, request, { offline: true });
}
