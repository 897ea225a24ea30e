import { beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../test/support/clock.js';
import { ENGINES } from '../../../test/support/engines.js';
import { gatewayStatementStore } from '../../../test/support/gateway-statement-store.js';
import {
  enrolledCredential,
  registerTestDevice,
  replaced,
  type TestOrganization,
  testOrganization,
} from '../../../test/support/gateways.js';
import { expectRefusal, value } from '../../../test/support/results.js';
import { auditTrail } from '../audit/log.js';
import { addUser, authenticate } from '../auth/tokens.js';
import type { ServiceContext } from '../context.js';
import { createEnrollment, ENROLLMENT_CODE_TTL_MS, enrollDevice } from './enrollment.js';
import { addOrganizationAdmin } from './organizations.js';
import { gatewayStatement } from './statement.js';

describe.each(ENGINES)('a gateway’s enrollment and signed statement on %s', (engine) => {
  const gateways = gatewayStatementStore(engine);
  const { racingProcess } = gateways;
  let clock: ManualClock;
  let ctx: ServiceContext;
  let org: TestOrganization;
  // The tests name the fixture's parts as they are set for each test.
  beforeEach(() => {
    ({ clock, ctx, org } = gateways);
  });

  describe('enrollment', () => {
    it('exchanges a code once for a credential that gets statements; the second use is refused', async () => {
      const device = await registerTestDevice(ctx, org);
      const enrollment = value(await createEnrollment(ctx, org.owner, device));
      expect(enrollment.code).toMatch(/^ske_/);
      expect(enrollment.expiresAt).toBe(
        new Date(clock.now().getTime() + ENROLLMENT_CODE_TTL_MS).toISOString(),
      );
      const enrolled = value(await enrollDevice(ctx, enrollment.code));
      expect(enrolled).toMatchObject({ deviceId: device, organizationId: org.organizationId });
      expect(enrolled.credential).toMatch(/^skd_/);
      const again = expectRefusal(await enrollDevice(ctx, enrollment.code), 'enrollment_invalid');
      expect(again.detail).toMatch(/ask an administrator/);
      value(await gatewayStatement(ctx, enrolled.credential, { connected: 0 }));
    });

    it('stores neither the code nor the credential, and audits both steps without them', async () => {
      const device = await registerTestDevice(ctx, org);
      const enrollment = value(await createEnrollment(ctx, org.owner, device));
      const { credential } = value(await enrollDevice(ctx, enrollment.code));
      const row = await ctx.store.db
        .selectFrom('gateway_devices')
        .selectAll()
        .where('id', '=', device)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(enrollment.code.slice(4));
      expect(JSON.stringify(row)).not.toContain(credential.slice(4));
      expect(row.enrollment_digest).toBeNull();
      expect(row.enrolled_at).toBe(clock.now().getTime());
      const trail = (await auditTrail(ctx, { entityId: device })).slice(-2);
      expect(trail.map((entry) => entry.action)).toEqual(['enrollment_created', 'enrolled']);
      expect(trail[0]).toMatchObject({ actor: org.owner.userId, accountId: org.accountId });
      expect(trail[1]).toMatchObject({ actor: device, accountId: org.accountId });
      expect(JSON.stringify(trail)).not.toContain(enrollment.code.slice(4));
      expect(JSON.stringify(trail)).not.toContain(credential.slice(4));
    });

    it('refuses a code at the instant its 24 hours end, and takes it a millisecond before', async () => {
      const [a, b] = [await registerTestDevice(ctx, org, 'a'), await registerTestDevice(ctx, org, 'b')];
      const late = value(await createEnrollment(ctx, org.owner, a));
      const inTime = value(await createEnrollment(ctx, org.owner, b));
      clock.advance(ENROLLMENT_CODE_TTL_MS - 1);
      value(await enrollDevice(ctx, inTime.code));
      clock.advance(1);
      expectRefusal(await enrollDevice(ctx, late.code), 'enrollment_invalid');
    });

    it('refuses unknown codes, and the code before once a new one is made', async () => {
      const device = await registerTestDevice(ctx, org);
      const first = value(await createEnrollment(ctx, org.owner, device));
      const second = value(await createEnrollment(ctx, org.owner, device));
      expectRefusal(await enrollDevice(ctx, first.code), 'enrollment_invalid');
      expectRefusal(await enrollDevice(ctx, 'ske_made-up'), 'enrollment_invalid');
      expectRefusal(await enrollDevice(ctx, ''), 'enrollment_invalid');
      value(await enrollDevice(ctx, second.code));
    });

    it('enrolls a gateway once when two present its code at once', async () => {
      const device = await registerTestDevice(ctx, org);
      const { code } = value(await createEnrollment(ctx, org.owner, device));
      const other = await racingProcess();
      const answers = await Promise.all([
        enrollDevice(ctx, code),
        enrollDevice(other, code),
        enrollDevice(ctx, code),
      ]);
      expect(answers.filter((answer) => answer.ok)).toHaveLength(1);
      expect(
        answers.filter((answer) => !answer.ok && answer.error.code === 'enrollment_invalid'),
      ).toHaveLength(2);
    });

    it('replaces the credential before when the gateway enrolls again', async () => {
      const device = await registerTestDevice(ctx, org);
      const old = await enrolledCredential(ctx, org, device);
      const fresh = await enrolledCredential(ctx, org, device);
      expectRefusal(await gatewayStatement(ctx, old, { connected: 0 }), 'device_credential_invalid');
      value(await gatewayStatement(ctx, fresh, { connected: 0 }));
    });

    it('gives codes to administrators only, and none for a replaced device', async () => {
      const device = await registerTestDevice(ctx, org);
      const stranger = await testOrganization(ctx, 'Elsewhere');
      expectRefusal(await createEnrollment(ctx, stranger.owner, device), 'device_not_found');
      expectRefusal(await createEnrollment(ctx, org.owner, 'dev_unknown'), 'device_not_found');
      const member = await addUser(
        ctx.store.db,
        { accountId: org.accountId, email: 'member@example.com', role: 'member' },
        clock.now(),
      );
      const memberPrincipal = await authenticate(ctx, member.token);
      if (memberPrincipal === undefined) throw new Error('no member');
      expectRefusal(await createEnrollment(ctx, memberPrincipal, device), 'organization_not_administered');
      value(await addOrganizationAdmin(ctx, org.owner, org.organizationId, member.userId));
      value(await createEnrollment(ctx, memberPrincipal, device));

      const replacement = await registerTestDevice(ctx, org, 'replacement');
      const pending = value(await createEnrollment(ctx, org.owner, device));
      await replaced(ctx, org, device, replacement);
      expectRefusal(await createEnrollment(ctx, org.owner, device), 'device_replaced');
      // Replacing a device ends its pending code as well as its credential.
      expectRefusal(await enrollDevice(ctx, pending.code), 'enrollment_invalid');
    });
  });
});
