import type { Membership } from '../../contract/subscriptions.js';
import { fail, ok, type Result, verifyFailMessage } from '../../domain/errors.js';
import {
  describeDifference,
  differingProperties,
  fingerprintOf,
  type MachineProperties,
  type PropertyDigests,
} from '../../domain/fingerprint.js';
import { recordAudit } from '../audit/log.js';
import type { ServiceContext } from '../context.js';
import type { SubscriptionRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { grantFor } from './grants.js';
import { autoRenew, ended, hasEnded, subscriptionByKey, usable } from './lifecycle.js';
import {
  insertMember,
  leasedIn,
  liveUse,
  membershipOfServer,
  moveMember,
  subscriptionById,
} from './repository.js';

export type { Membership };

/** A server's membership as joining leaves it: whether it is new, and when it was last heard from. */
type Joined = { created: boolean; lastHeartbeatAt: number };

async function membershipOf(
  ctx: ServiceContext,
  row: SubscriptionRow,
  serverId: string,
  member: Joined,
  now: Date,
): Promise<Membership> {
  const at = now.getTime();
  const figures =
    row.mode === 'lease'
      ? { used: await leasedIn(ctx.store.db, row.id, at), reported: 0 }
      : await liveUse(ctx.store.db, row, serverId, at);
  return {
    subscriptionId: row.id,
    serverId,
    connections: row.seats,
    mode: row.mode,
    order: row.enforcement_order,
    heartbeatIntervalMs: row.heartbeat_interval_ms,
    graceMs: row.grace_ms,
    periodEnds: new Date(row.period_ends_at).toISOString(),
    created: member.created,
    grant: grantFor(ctx, row, serverId, now, {
      ...figures,
      lease: 0,
      validUntil: member.lastHeartbeatAt + row.grace_ms,
    }),
  };
}

const taken = () =>
  fail(
    'server_has_subscription',
    'This server already uses another subscription: a server holds one subscription at a time.',
    'serverId',
  );

/**
 * Activates a subscription on a server: many servers may join one pool, a server belongs to at
 * most one. The unique server_id settles a server joining two pools at once.
 */
export async function joinPool(
  ctx: ServiceContext,
  request: { key: string; serverId: string; fingerprint: MachineProperties },
): Promise<Result<Membership>> {
  const now = ctx.clock.now();
  const found = await subscriptionByKey(ctx.store.db, request.key);
  if (!found.ok) return found;
  if (!usable(found.value, now)) return ended(found.value);
  const machine = fingerprintOf(request.fingerprint);
  const fresh = {
    subscription_id: found.value.id,
    server_id: request.serverId,
    fingerprint_digest: machine.digest,
    fingerprint: JSON.stringify(machine.properties),
    hostname: request.fingerprint.hostname,
    joined_at: now.getTime(),
    last_heartbeat_at: now.getTime(),
  };
  // The membership and its audit entry commit together.
  const joined = await inTransaction(ctx.store.db, async (tx): Promise<Result<Joined>> => {
    if (!(await insertMember(tx, fresh))) {
      const member = await membershipOfServer(tx, request.serverId);
      if (member === undefined) throw new Error(`pool member ${request.serverId} vanished while joining`);
      if (member.subscription_id === found.value.id) {
        if (member.fingerprint_digest === machine.digest)
          return ok({ created: false, lastHeartbeatAt: member.last_heartbeat_at });
        const differing = differingProperties(
          JSON.parse(member.fingerprint) as PropertyDigests,
          machine.properties,
        );
        return fail('fingerprint_mismatch', verifyFailMessage(describeDifference(differing)), 'fingerprint');
      }
      const held = await subscriptionById(tx, member.subscription_id);
      if (held === undefined) throw new Error(`subscription ${member.subscription_id} vanished`);
      if (usable(held, now)) return taken();
      // Its subscription has ended for good: the server moves to the new one, starting afresh there.
      if (!(await moveMember(tx, member.subscription_id, fresh))) return taken();
    }
    await recordAudit(tx, now, [
      {
        actor: request.serverId,
        accountId: found.value.account_id,
        entity: 'subscription',
        entityId: found.value.id,
        action: 'server_joined',
        after: {
          serverId: request.serverId,
          hostname: request.fingerprint.hostname,
          fingerprint: machine.digest,
        },
      },
    ]);
    return ok({ created: true, lastHeartbeatAt: fresh.last_heartbeat_at });
  });
  if (!joined.ok) return joined;
  const subscription = hasEnded(found.value, now)
    ? await autoRenew(ctx.store.db, found.value, now)
    : found.value;
  return ok(await membershipOf(ctx, subscription, request.serverId, joined.value, now));
}
