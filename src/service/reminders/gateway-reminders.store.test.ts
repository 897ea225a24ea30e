import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../../test/support/clock.js';
import { ENGINES, testContext } from '../../../test/support/engines.js';
import { ownerOf } from '../../../test/support/orders.js';
import { value } from '../../../test/support/results.js';
import { type SmtpSink, startSmtpSink } from '../../../test/support/smtp.js';
import { newId } from '../../domain/ids.js';
import { createAccount } from '../accounts/operations.js';
import { addKey, issueGatewayKeyIn } from '../gateways/keys.js';
import { inTransaction } from '../store/transaction.js';
import { type Mailer, smtpMailer } from './mailer.js';
import { listReminders, sendDueReminders } from './operations.js';

const ASSOCIATED = '2026-11-30T10:00:00.000Z';
const ENDS = Date.parse('2027-11-30T10:00:00.000Z');

describe.each(ENGINES)('gateway license expiry notices on %s', (engine) => {
  let sink: SmtpSink;
  let ctx: Awaited<ReturnType<typeof testContext>>;
  let clock: ManualClock;
  let mailer: Mailer;
  let accountId: string;
  let organizationId: string;

  const pass = () => sendDueReminders(ctx, mailer, 'process-a');

  /** A gateway of the organization, registered as the device list would. */
  async function device(name: string, serialNumber: string, mac: string): Promise<string> {
    const id = newId('dev', clock.now().getTime());
    await ctx.store.db
      .insertInto('gateway_devices')
      .values({
        id,
        organization_id: organizationId,
        serial_number: serialNumber,
        mac,
        model: 'ESG510',
        name,
        registered_at: clock.now().getTime(),
        registered_by: 'usr_owner',
        replaced_by: null,
        replaced_at: null,
        enrollment_digest: null,
        enrollment_expires_at: null,
        credential_digest: null,
        enrolled_at: null,
        last_seen_at: null,
        version: 0,
      })
      .execute();
    return id;
  }

  /** Licenses of `sku` issued, added to the organization and, when a device is named, associated with it now. */
  async function licenses(sku: string, quantity: number, deviceId?: string): Promise<string[]> {
    const owner = ownerOf(accountId);
    const now = clock.now();
    const issued = value(
      await inTransaction(ctx.store.db, (tx) =>
        issueGatewayKeyIn(tx, ctx, { accountId, sku, quantity, actor: 'usr_staff' }, now),
      ),
    );
    const { licenseIds } = value(await addKey(ctx, owner, organizationId, issued.key));
    if (deviceId !== undefined)
      await ctx.store.db
        .updateTable('gateway_licenses')
        .set({ device_id: deviceId, associated_at: now.getTime(), activated_at: now.getTime() })
        .where('id', 'in', licenseIds)
        .execute();
    return licenseIds;
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => sink.close());
  beforeEach(async () => {
    sink.received.length = 0;
    clock = new ManualClock(ASSOCIATED);
    ctx = await testContext(engine, clock);
    mailer = smtpMailer(new URL(sink.url), 'licenses@vendor.example');
    accountId = value(await createAccount(ctx, { email: 'it@customer.example' })).account.id;
    organizationId = newId('org', clock.now().getTime());
    await ctx.store.db
      .insertInto('organizations')
      .values({
        id: organizationId,
        account_id: accountId,
        name: 'Acme Branches',
        created_at: clock.now().getTime(),
      })
      .execute();
  });
  afterEach(async () => {
    mailer.close();
    await ctx.cleanup();
  });

  it('sends an associated SPC-1YR-LIC its 60-day notice once, naming organization, gateway and model', async () => {
    const gateway = await device('Branch office', 'ESG510-0001', '88:DC:96:00:00:01');
    const [licenseId] = await licenses('SPC-1YR-LIC', 1, gateway);
    // Unassociated licenses have no term yet: nothing to notice.
    await licenses('SPC-1YR-LIC', 2);

    clock.set(new Date(ENDS - 61 * DAY));
    expect((await pass()).sent).toBe(0);
    clock.set(new Date(ENDS - 60 * DAY));
    const first = await pass();
    expect(first).toMatchObject({ sent: 1, emails: 1, failures: [] });
    clock.advance(DAY / 2);
    expect((await pass()).sent).toBe(0);

    expect(sink.received).toHaveLength(1);
    const [mail] = sink.received;
    expect(mail?.envelopeTo).toEqual(['it@customer.example']);
    expect(mail?.subject).toBe('Your gateway license SPC-1YR-LIC expires in 60 days, on 2027-11-30');
    expect(mail?.text).toContain(
      'A gateway license of the account it@customer.example expires in 60 days, on 2027-11-30:',
    );
    expect(mail?.text).toContain('license SPC-1YR-LIC (SecuPoint VPN Client, 1 year, 20 VPN users)');
    expect(mail?.text).toContain('in the organization "Acme Branches"');
    expect(mail?.text).toContain(
      'associated with the gateway "Branch office", serial number "ESG510-0001", model "ESG510"',
    );
    expect(mail?.text).toContain(
      'no longer counts its 20 SecuPoint VPN users: it keeps its 2 built-in users',
    );

    const reminders = (await listReminders(ctx, { subjectId: licenseId })).reminders;
    expect(reminders).toMatchObject([
      {
        subject: 'license',
        subjectId: licenseId,
        accountId,
        daysBefore: 60,
        status: 'sent',
        ends: new Date(ENDS).toISOString(),
      },
    ]);

    // Then 30 and 3 days before, once each.
    clock.set(new Date(ENDS - 30 * DAY));
    expect((await pass()).sent).toBe(1);
    clock.set(new Date(ENDS - 3 * DAY));
    expect((await pass()).sent).toBe(1);
    clock.set(new Date(ENDS + DAY));
    expect((await pass()).sent).toBe(0);
    expect(sink.received.map((received) => received.subject)).toEqual([
      'Your gateway license SPC-1YR-LIC expires in 60 days, on 2027-11-30',
      'Your gateway license SPC-1YR-LIC expires in 30 days, on 2027-11-30',
      'Your gateway license SPC-1YR-LIC expires in 3 days, on 2027-11-30',
    ]);
  });

  it('notices a shared license once, for its owner gateway, and a Pro license with what its end does', async () => {
    const owner = await device('Head office', 'ESG620-0001', '88:DC:96:00:00:02');
    const replicaA = await device('Warehouse', 'ESG620-0002', '88:DC:96:00:00:03');
    const replicaB = await device('Shop', 'ESG620-0003', '88:DC:96:00:00:04');
    const [shared] = await licenses('SPC-1YR-150-LIC', 1, owner);
    await ctx.store.db
      .insertInto('gateway_replicas')
      .values(
        [replicaA, replicaB].map((deviceId) => ({
          license_id: shared ?? '',
          device_id: deviceId,
          created_at: clock.now().getTime(),
        })),
      )
      .execute();
    await licenses('PRO-1YR-LIC', 1, replicaA);

    clock.set(new Date(ENDS - 60 * DAY));
    expect(await pass()).toMatchObject({ sent: 2, emails: 2 });
    const texts = sink.received.map((mail) => mail.text);
    const sharedMail = texts.find((text) => text.includes('SPC-1YR-150-LIC'));
    expect(sharedMail).toContain('associated with the gateway "Head office"');
    expect(sharedMail).toContain('The 2 gateways it is shared with lose their shares of them too.');
    const proMail = texts.find((text) => text.includes('PRO-1YR-LIC'));
    expect(proMail).toContain('license PRO-1YR-LIC (Pro license, 1 year, Pro features)');
    expect(proMail).toContain('associated with the gateway "Warehouse"');
    expect(proMail).toContain('keeps working but can no longer be managed from the cloud');
  });

  it('cancels a notice whose license was disassociated before it went out', async () => {
    const gateway = await device('Branch office', 'ESG510-0001', '88:DC:96:00:00:01');
    const [licenseId] = await licenses('SPC-3YR-LIC', 1, gateway);
    const threeYears = Date.parse('2029-11-30T10:00:00.000Z');
    clock.set(new Date(threeYears - 60 * DAY));
    // Recorded, then its association goes before a pass sends it (another process, an undo).
    sink.refuse(true);
    expect((await pass()).failures).toHaveLength(1);
    sink.refuse(false);
    await ctx.store.db
      .updateTable('gateway_licenses')
      .set({ device_id: null, associated_at: null })
      .where('id', '=', licenseId ?? '')
      .execute();
    clock.advance(DAY);
    expect(await pass()).toMatchObject({ sent: 0, cancelled: 1 });
    expect(sink.received).toEqual([]);
  });
});
