import { afterEach, beforeEach } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { createAccount } from '../../src/service/accounts/operations.js';
import type { ServiceContext } from '../../src/service/context.js';
import type { Engine } from '../../src/service/store/database.js';
import { heartbeat } from '../../src/service/subscriptions/heartbeat.js';
import type { HeartbeatRequest } from '../../src/service/subscriptions/heartbeat-checks.js';
import { joinPool } from '../../src/service/subscriptions/join.js';
import {
  type CreateSubscriptionInput,
  createSubscription,
  type SubscriptionView,
} from '../../src/service/subscriptions/lifecycle.js';
import { ManualClock } from './clock.js';
import { testContext } from './engines.js';
import { machine } from './factories.js';

export const SECOND = 1000;

type Tunnels = HeartbeatRequest['tunnels'];

/**
 * The subscription room's store tests: a fresh store and clock for each test, one account, and
 * small factories for subscriptions, members and their heartbeats (numbered in order per server).
 */
export function poolFixture(engine: Engine) {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;
  let accountId: string;
  const sequences = new Map<string, number>();

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    ctx = await testContext(engine, clock);
    const account = await createAccount(ctx, { email: 'pools@example.com' });
    if (!account.ok) throw new Error(account.error.detail);
    accountId = account.value.account.id;
    sequences.clear();
  });
  afterEach(async () => ctx.cleanup());

  return {
    get ctx() {
      return ctx;
    },
    get clock() {
      return clock;
    },

    async subscription(input: Partial<CreateSubscriptionInput> = {}): Promise<SubscriptionView> {
      const created = await createSubscription(ctx, {
        accountId,
        connections: 100,
        period: 'yearly',
        ...input,
      });
      if (!created.ok) throw new Error(created.error.detail);
      return created.value;
    },

    /** A member joined to `sub`, on a machine of its own. */
    async server(sub: SubscriptionView, name: string): Promise<string> {
      const serverId = newId('srv', clock.now().getTime());
      const joined = await joinPool(ctx, { key: sub.key, serverId, fingerprint: machine(name) });
      if (!joined.ok) throw new Error(joined.error.detail);
      return serverId;
    },

    /** `count` tunnels connected one second apart, the first at `firstAt`. */
    tunnels: (prefix: string, count: number, firstAt: number): Tunnels =>
      Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, connectedAt: firstAt + i * SECOND })),

    /** The member's next heartbeat, reporting `reported`, sent now. */
    beat(sub: SubscriptionView, serverId: string, reported: Tunnels, extra: { wanted?: number } = {}) {
      const sequence = (sequences.get(serverId) ?? 0) + 1;
      sequences.set(serverId, sequence);
      return heartbeat(ctx, {
        key: sub.key,
        serverId,
        sequence,
        sentAt: clock.now().getTime(),
        tunnels: reported,
        ...extra,
      });
    },

    /** An hour ago: when the tunnels of a test connected. */
    start: () => clock.now().getTime() - 3600 * SECOND,

    /** A heartbeat as given: what `beat` leaves to defaults (sequence, time, tunnels) stated here. */
    send: (
      sub: { key: string },
      fields: Partial<HeartbeatRequest> & { serverId: string; sequence: number },
    ) => heartbeat(ctx, { key: sub.key, sentAt: clock.now().getTime(), tunnels: [], ...fields }),
  };
}
