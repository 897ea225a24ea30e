import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { accountWithKey, machine, nonce } from '../../../test/support/factories.js';
import { addMember } from '../accounts/operations.js';
import { activate } from '../activation/operations.js';
import type { ServiceContext } from '../context.js';
import { findLicense, type LicenseView } from '../licenses/operations.js';
import { approveRequest, declineRequest, findRequest, listRequests, openRequest } from './operations.js';

describe.each(ENGINES)('support requests on %s', (engine) => {
  let ctx: ServiceContext & { cleanup: () => Promise<void> };
  let clock: ManualClock;
  const staff = 'usr_staff';

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T12:00:00.000Z');
    ctx = await testContext(engine, clock);
  });
  afterEach(async () => ctx.cleanup());

  async function customer(options: { connections?: number } = {}) {
    const made = await accountWithKey(ctx, {
      ...options,
      email: `owner-${Math.random().toString(36).slice(2)}@acme.example`,
    });
    const owner = await ctx.store.db
      .selectFrom('users')
      .select('id')
      .where('account_id', '=', made.accountId)
      .executeTakeFirstOrThrow();
    return {
      ...made,
      owner: {
        kind: 'account' as const,
        userId: owner.id,
        accountId: made.accountId,
        role: 'owner' as const,
      },
    };
  }

  const refundOf = (license: LicenseView) => ({
    type: 'refund' as const,
    licenseId: license.id,
    message: 'Bought by mistake.',
  });

  it('refuses an account with no license in an active support term, pointing to community help', async () => {
    const { owner, license } = await customer();
    clock.advance(400 * DAY);
    expect(await openRequest(ctx, owner, refundOf(license))).toMatchObject({
      ok: false,
      error: {
        code: 'support_not_available',
        detail: expect.stringMatching(/active support\/upgrade term.*community/),
      },
    });
    expect(await listRequests(ctx, {})).toEqual([]);
  });

  it('runs the operation when staff approve, and the requester sees the outcome', async () => {
    const { owner, license, accountId } = await customer({ connections: 10 });
    const opened = await openRequest(ctx, owner, {
      type: 'split',
      licenseId: license.id,
      parts: [4, 6],
      message: 'Two sites.',
    });
    if (!opened.ok) throw new Error(opened.error.detail);
    expect((await listRequests(ctx, { status: 'open' })).map((request) => request.id)).toEqual([
      opened.value.id,
    ]);
    const approved = await approveRequest(ctx, { id: opened.value.id, actor: staff, note: ' Done. ' });
    expect(approved.ok && approved.value).toMatchObject({
      status: 'approved',
      decision: 'Done.',
      outcome: { original: license.id },
    });
    expect((await findLicense(ctx, license.id))?.endedReason).toBe('split');
    const seen = await listRequests(ctx, { accountId });
    expect(seen).toMatchObject([
      { status: 'approved', outcome: { keys: [expect.any(String), expect.any(String)] } },
    ]);
  });

  it('needs the key, the primary holder and the order number from a requester who is not the primary holder', async () => {
    const { license, accountId } = await customer();
    const member = await addMember(ctx, accountId, 'colleague@acme.example');
    if (!member.ok) throw new Error(member.error.detail);
    const colleague = {
      kind: 'account' as const,
      userId: member.value.userId,
      accountId,
      role: 'member' as const,
    };
    const holder = (
      await ctx.store.db
        .selectFrom('accounts')
        .select('email')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow()
    ).email;
    const proof = { licenseKey: license.key, primaryHolder: holder, orderNumber: license.orderNumber ?? '' };
    expect(
      await openRequest(ctx, colleague, {
        ...refundOf(license),
        licenseKey: license.key,
        primaryHolder: holder,
      }),
    ).toMatchObject({
      ok: false,
      error: {
        code: 'request_incomplete',
        field: 'orderNumber',
        detail: expect.stringMatching(/order number/),
      },
    });
    expect(
      await openRequest(ctx, colleague, { ...refundOf(license), ...proof, orderNumber: 'SO-00000000' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'request_incomplete', detail: expect.stringMatching(/do not match/) },
    });
    expect(await listRequests(ctx, {})).toEqual([]);
    expect((await openRequest(ctx, colleague, { ...refundOf(license), ...proof })).ok).toBe(true);
  });

  it('approves a transfer asked by the owner, and refuses a request whose key has moved since', async () => {
    const { owner, license } = await customer();
    const buyer = await customer();
    const buyerEmail = (
      await ctx.store.db
        .selectFrom('accounts')
        .select('email')
        .where('id', '=', buyer.accountId)
        .executeTakeFirstOrThrow()
    ).email;
    const transfer = await openRequest(ctx, owner, {
      type: 'transfer',
      licenseId: license.id,
      toAccount: buyerEmail,
      message: 'Sold the business.',
    });
    const refund = await openRequest(ctx, owner, refundOf(license));
    if (!transfer.ok || !refund.ok) throw new Error('requests not opened');
    const approved = await approveRequest(ctx, { id: transfer.value.id, actor: staff });
    expect(approved.ok).toBe(true);
    expect((await findLicense(ctx, license.id))?.accountId).toBe(buyer.accountId);
    expect(await approveRequest(ctx, { id: refund.value.id, actor: staff })).toMatchObject({
      ok: false,
      error: { code: 'license_not_found', detail: expect.stringMatching(/no longer belongs/) },
    });
    expect((await findLicense(ctx, license.id))?.status).toBe('not_activated');
  });

  it('refuses a message, a proof or a decline reason with control characters, storing nothing', async () => {
    const { owner, license } = await customer();
    expect(
      await openRequest(ctx, owner, { ...refundOf(license), message: 'Refund\u0000 please' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'message' },
    });
    expect(
      await openRequest(ctx, owner, {
        ...refundOf(license),
        primaryHolder: 'Ada\u0000',
        message: 'Lines\n\tare fine.',
      }),
    ).toMatchObject({ ok: false, error: { code: 'validation_failed', field: 'primaryHolder' } });
    expect(await listRequests(ctx, {})).toHaveLength(0);
    const opened = await openRequest(ctx, owner, { ...refundOf(license), message: 'Lines\r\n\tare fine.' });
    if (!opened.ok) throw new Error(opened.error.detail);
    expect(
      await declineRequest(ctx, { id: opened.value.id, actor: staff, reason: 'No\u0000' }),
    ).toMatchObject({ ok: false, error: { code: 'validation_failed', field: 'reason' } });
    expect((await listRequests(ctx, {}))[0]).toMatchObject({
      status: 'open',
      message: 'Lines\r\n\tare fine.',
    });
  });

  it('declines with a reason; a decided request is not decided again', async () => {
    const { owner, license } = await customer();
    const opened = await openRequest(ctx, owner, {
      type: 'replacement',
      licenseId: license.id,
      message: 'New hardware.',
    });
    if (!opened.ok) throw new Error(opened.error.detail);
    expect(await declineRequest(ctx, { id: opened.value.id, actor: staff, reason: '  ' })).toMatchObject({
      ok: false,
    });
    const declined = await declineRequest(ctx, {
      id: opened.value.id,
      actor: staff,
      reason: 'Third replacement this month.',
    });
    expect(declined.ok && declined.value).toMatchObject({
      status: 'declined',
      decision: 'Third replacement this month.',
    });
    expect(await approveRequest(ctx, { id: opened.value.id, actor: staff })).toMatchObject({
      ok: false,
      error: { code: 'request_already_decided' },
    });
    expect((await findLicense(ctx, license.id))?.endedReason).toBeNull();
  });

  it('leaves the request open and the key unchanged when the operation refuses', async () => {
    const { owner, license } = await customer();
    const opened = await openRequest(ctx, owner, refundOf(license));
    if (!opened.ok) throw new Error(opened.error.detail);
    await activate(ctx, {
      key: license.key,
      serverId: 'srv_01kax5c1x8b2m4n6p8r0s2t020',
      fingerprint: machine('20'),
      nonce: nonce(),
    });
    expect(await approveRequest(ctx, { id: opened.value.id, actor: staff })).toMatchObject({
      ok: false,
      error: { code: 'license_activated' },
    });
    expect(await listRequests(ctx, { status: 'open' })).toHaveLength(1);
    expect((await findLicense(ctx, license.id))?.status).toBe('active');
  });

  it('of parallel approvals of one request, exactly one wins and the operation runs once', async () => {
    for (let round = 0; round < 5; round++) {
      const { owner, license } = await customer({ connections: 10 });
      const opened = await openRequest(ctx, owner, {
        type: 'split',
        licenseId: license.id,
        parts: [5, 5],
        message: 'Two sites.',
      });
      if (!opened.ok) throw new Error(opened.error.detail);
      const outcomes = await Promise.all([
        approveRequest(ctx, { id: opened.value.id, actor: staff }),
        approveRequest(ctx, { id: opened.value.id, actor: 'usr_other_staff' }),
      ]);
      expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
      expect(outcomes.find((outcome) => !outcome.ok)).toMatchObject({
        error: { code: 'request_already_decided' },
      });
      const children = await ctx.store.db
        .selectFrom('licenses')
        .select('id')
        .where('parent_id', '=', license.id)
        .execute();
      expect(children).toHaveLength(2);
    }
  });
  it('finds one request for staff, its account’s owner and its requester; anyone else gets not found', async () => {
    const { owner, license, accountId } = await customer();
    const opened = await openRequest(ctx, owner, refundOf(license));
    if (!opened.ok) throw new Error(opened.error.detail);
    const { id } = opened.value;
    const member = await addMember(ctx, accountId, 'member@acme.example');
    if (!member.ok) throw new Error(member.error.detail);
    const colleague = {
      kind: 'account' as const,
      userId: member.value.userId,
      accountId,
      role: 'member' as const,
    };
    const stranger = (await customer()).owner;
    expect(await findRequest(ctx, { kind: 'staff', userId: staff }, id)).toMatchObject({
      ok: true,
      value: { id },
    });
    expect(await findRequest(ctx, owner, id)).toMatchObject({ ok: true, value: { id, type: 'refund' } });
    for (const other of [colleague, stranger])
      expect(await findRequest(ctx, other, id)).toMatchObject({
        ok: false,
        error: { code: 'request_not_found' },
      });
    expect(await findRequest(ctx, owner, 'tkt_unknown')).toMatchObject({ ok: false });
  });
});
