import { addMember, createAccount } from '../../src/service/accounts/operations.js';
import type { ServiceContext } from '../../src/service/context.js';
import { heartbeat } from '../../src/service/subscriptions/heartbeat.js';
import type { SubscriptionView } from '../../src/service/subscriptions/lifecycle.js';
import { boughtSubscription, joined, ownerOf } from './orders.js';
import { value } from './results.js';
import { givePassword } from './web.js';

/** A customer of the portal: an owner with a password and a bought subscription, one server in its pool. */
export interface Subscriber {
  accountId: string;
  owner: string;
  sub: SubscriptionView;
  serverId: string;
  /** Reports the pool member's tunnels now, as its agent's heartbeat would. */
  report: (tunnels: number) => Promise<void>;
}

let sequence = 0;

export async function subscriber(
  ctx: ServiceContext,
  owner: string,
  options: { connections?: number; tunnels?: number; member?: string } = {},
): Promise<Subscriber> {
  const accountId = value(await createAccount(ctx, { email: owner })).account.id;
  await givePassword(ctx, owner);
  if (options.member !== undefined) {
    value(await addMember(ctx, accountId, options.member));
    await givePassword(ctx, options.member);
  }
  const sub = await boughtSubscription(ctx, ownerOf(accountId), options.connections ?? 100);
  const serverId = await joined(ctx, sub, owner);
  const report = async (tunnels: number) => {
    const now = ctx.clock.now().getTime();
    value(
      await heartbeat(ctx, {
        key: sub.key,
        serverId,
        sequence: ++sequence,
        sentAt: now,
        tunnels: Array.from({ length: tunnels }, (_, i) => ({ id: `t-${i}`, connectedAt: now - 60_000 })),
      }),
    );
  };
  await report(options.tunnels ?? 0);
  return { accountId, owner, sub, serverId, report };
}
