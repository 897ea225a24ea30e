import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { expectRefusal, value } from '../../../test/support/results.js';
import { givePassword } from '../../../test/support/web.js';
import { needsRehash } from '../../domain/password.js';
import { createAccount } from '../accounts/operations.js';
import type { ServiceContext } from '../context.js';
import {
  linkForUser,
  passwordLinkHolder,
  RESET_EVERY_MS,
  requestPasswordReset,
  setPasswordWithLink,
} from './password-links.js';
import { DECOY_HASH } from './passwords.js';
import { forgetEndedSignIns, SESSION_IDLE_MS, startSession } from './sessions.js';

describe.each(ENGINES)('password links (%s)', (engine) => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let userId: string;

  beforeEach(async () => {
    ctx = await testContext(engine, clock);
    value(await createAccount(ctx, { email: 'owner@example.com' }));
    userId = await givePassword(ctx, 'owner@example.com');
  });
  afterEach(() => ctx.cleanup());

  it('makes one reset link in a few minutes however often it is asked for, and records who made each', async () => {
    expect(await requestPasswordReset(ctx, 'owner@example.com')).toHaveLength(1);
    expect(await requestPasswordReset(ctx, 'owner@example.com')).toEqual([]);
    expect(await requestPasswordReset(ctx, 'nobody@example.com')).toEqual([]);
    clock.advance(RESET_EVERY_MS);
    expect(await requestPasswordReset(ctx, 'owner@example.com')).toHaveLength(1);
    const audited = await ctx.store.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('entity_id', '=', userId)
      .where('action', '=', 'password_link_issued')
      .execute();
    expect(audited).toHaveLength(2);
  });

  it('makes one reset link when requests for it race', async () => {
    const made = await Promise.all(
      Array.from({ length: 6 }, () => requestPasswordReset(ctx, 'owner@example.com')),
    );
    expect(made.flat()).toHaveLength(1);
    const links = await ctx.store.db.selectFrom('password_links').select('user_id').execute();
    expect(links).toEqual([{ user_id: userId }]);
  });

  it('ends every other link of the user once one is used', async () => {
    const first = value(await linkForUser(ctx, { userId, actor: 'usr_staff' }));
    const second = value(await linkForUser(ctx, { userId, actor: 'usr_staff' }));
    value(await setPasswordWithLink(ctx, second.token, 'a brand new passphrase'));
    expectRefusal(await passwordLinkHolder(ctx, first.token), 'password_link_invalid');
    expectRefusal(
      await setPasswordWithLink(ctx, first.token, 'another new passphrase'),
      'password_link_invalid',
    );
  });

  it('forgets ended sessions and links, and keeps those still good', async () => {
    const ended = await startSession(ctx, userId);
    const link = value(await linkForUser(ctx, { userId, actor: 'usr_staff' }));
    clock.advance(SESSION_IDLE_MS);
    const live = await startSession(ctx, userId);
    await forgetEndedSignIns(ctx);
    const sessions = await ctx.store.db.selectFrom('web_sessions').select('id').execute();
    expect(sessions).toHaveLength(1);
    expect(ended).not.toBe(live);
    expect(await ctx.store.db.selectFrom('password_links').select('token_digest').execute()).toEqual([]);
    expect(link.purpose).toBe('reset');
  });
});

describe('the decoy hash an unknown email is checked against', () => {
  it('is made with today’s parameters, so it costs what a real one does', () => {
    expect(needsRehash(DECOY_HASH)).toBe(false);
  });
});
