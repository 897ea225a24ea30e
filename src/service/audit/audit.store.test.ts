import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { machine } from '../../../test/support/factories.js';
import { addMember, createAccount } from '../accounts/operations.js';
import type { ServiceContext } from '../context.js';
import { createSubscription, joinPool, renewSubscription } from '../pools/operations.js';
import { auditTrail } from './log.js';

describe.each(ENGINES)('the audit log on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    ctx = await testContext(engine, clock);
  });
  afterEach(async () => ctx.cleanup());

  const actions = async (entityId: string) =>
    (await auditTrail(ctx, { entityId })).map((entry) => entry.action);

  it('records accounts and their members, with who did it; a refused change records nothing', async () => {
    const created = await createAccount(ctx, { email: 'audit@example.com', actor: 'usr_staff' });
    if (!created.ok) throw new Error(created.error.detail);
    const { id } = created.value.account;
    await addMember(ctx, id, 'member@example.com', 'usr_owner');
    expect(await auditTrail(ctx, { entityId: id })).toMatchObject([
      {
        actor: 'usr_staff',
        action: 'created',
        accountId: id,
        before: null,
        after: { email: 'audit@example.com' },
      },
      { actor: 'usr_owner', action: 'member_added', after: { email: 'member@example.com', role: 'member' } },
    ]);
    expect((await createAccount(ctx, { email: 'audit@example.com' })).ok).toBe(false);
    expect((await addMember(ctx, id, 'member@example.com')).ok).toBe(false);
    expect(await auditTrail(ctx, {})).toHaveLength(2);
  });

  it('records a subscription’s creation, renewals, servers joining, and an auto-renewal once', async () => {
    const account = await createAccount(ctx, { email: 'pool-audit@example.com' });
    if (!account.ok) throw new Error(account.error.detail);
    const subscription = await createSubscription(ctx, {
      accountId: account.value.account.id,
      connections: 10,
      period: 'monthly',
      actor: 'usr_staff',
    });
    if (!subscription.ok) throw new Error(subscription.error.detail);
    const { id, key } = subscription.value;
    await renewSubscription(ctx, id, 'usr_staff');
    const join = (seed: string) =>
      joinPool(ctx, { key, serverId: `srv_01kax5c1x8b2m4n6p8r0s2t${seed}`, fingerprint: machine(seed) });
    await join('001');
    await join('001');
    clock.advance(70 * DAY);
    // Two servers joining at once after the period ended: the subscription moves on once.
    await Promise.all([join('002'), join('003')]);
    const recorded = await actions(id);
    expect(recorded.slice(0, 3)).toEqual(['created', 'renewed', 'server_joined']);
    // The two racing joins and the one move they caused, in whichever order they committed.
    expect(recorded.slice(3).sort()).toEqual(['auto_renewed', 'server_joined', 'server_joined']);
    const renewal = (await auditTrail(ctx, { entityId: id })).find((entry) => entry.action === 'renewed');
    expect(renewal).toMatchObject({
      before: { periodEnds: '2026-12-23T12:00:00.000Z' },
      after: { periodEnds: '2027-01-23T12:00:00.000Z' },
    });
    expect(JSON.stringify(await auditTrail(ctx, {}))).not.toContain(key);
  });
});
