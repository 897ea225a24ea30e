import type { LicenseState, LicenseStateRequest } from '../../contract/activation.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { licenseKeyDigest, parseLicenseKey } from '../../domain/license-key.js';
import { licenseRevision } from '../../domain/license-revision.js';
import type { ServiceContext } from '../context.js';
import { keyStateByDigest } from '../licenses/license-repository.js';
import { keyNotFound } from '../licenses/operations.js';
import { boundElsewhere } from './operations.js';

export type { LicenseState, LicenseStateRequest };

type KeyState = NonNullable<Awaited<ReturnType<typeof keyStateByDigest>>>;

function statusOf(row: KeyState, now: number): LicenseState['status'] {
  if (row.revoked_at !== null && now >= row.revoked_at) return 'revoked';
  if (row.ended_reason === 'replaced') return 'replaced';
  // A legacy key goes on working on its machine after its support term.
  if (now >= row.ends_at && row.legacy !== 1) return 'expired';
  return 'active';
}

/**
 * A bound key as the service holds it now, asked by the server it is bound to (the key is the
 * credential, as for a refresh): one indexed lookup, so agents may ask every few minutes. A
 * revoked key is answered too, so that its server learns it stopped.
 */
export async function licenseState(
  ctx: ServiceContext,
  request: LicenseStateRequest,
): Promise<Result<LicenseState>> {
  const canonical = parseLicenseKey(request.key);
  if (!canonical.ok) return canonical;
  const row = await keyStateByDigest(ctx.store.db, licenseKeyDigest(canonical.value));
  if (row === undefined) return keyNotFound();
  if (row.server_id === null)
    return fail('not_activated', 'This license key is not activated yet: activate it first.', 'key');
  if (row.server_id !== request.serverId) return boundElsewhere();
  const now = ctx.clock.now();
  return ok({
    licenseId: row.id,
    revision: licenseRevision(row),
    status: statusOf(row, now.getTime()),
    ends: new Date(row.ends_at).toISOString(),
    stopsAt: row.revoked_at === null ? null : new Date(row.revoked_at).toISOString(),
    replacedBy:
      row.replacement_id === null || row.replacement_key_hint === null
        ? null
        : { licenseId: row.replacement_id, keyHint: row.replacement_key_hint },
    checkedAt: now.toISOString(),
  });
}
