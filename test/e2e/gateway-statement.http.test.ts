import { Validator } from '@seriousme/openapi-schema-validator';
import type { Static } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrollAnswer, Enrollment, StatementAnswer } from '../../src/contract/gateways.js';
import { gatewaySeats } from '../../src/domain/gateway-seats.js';
import { statementBindings, verifyGatewayStatement } from '../../src/domain/gateway-statement.js';
import { ManualClock } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import {
  associatedLicense,
  registerTestDevice,
  replaced,
  shareWith,
  type TestOrganization,
  testOrganization,
} from '../support/gateways.js';
import { type Call, client, expectProblem } from '../support/http.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { value } from '../support/results.js';

/** A gateway enrolls and asks for its statement over HTTP, on a real server with a test clock. */
describe.each(ENGINES)('the gateway’s side over HTTP on %s', (engine) => {
  const clock = new ManualClock('2026-11-30T12:00:00.000Z');
  let service: InProcessService;
  let call: Call;
  let org: TestOrganization;

  beforeAll(async () => {
    service = await startInProcessService(clock, engine);
    call = client(service.url);
    org = await testOrganization(service.ctx);
  });
  afterAll(async () => {
    await service?.close();
  });

  const enrollmentOf = (deviceId: string, token = org.ownerToken) =>
    call<Static<typeof Enrollment>>('POST', `/v1/devices/${deviceId}/enrollment`, { token });
  const enroll = (body: unknown) =>
    call<Static<typeof EnrollAnswer>>('POST', '/v1/gateways/enroll', { body });
  const statement = (credential: string | undefined, body: unknown = { connected: 0 }) =>
    call<Static<typeof StatementAnswer>>('POST', '/v1/gateways/statement', {
      ...(credential === undefined ? {} : { token: credential }),
      body,
    });

  /** A device of the organization, enrolled over HTTP; its id and credential. */
  async function enrolledDevice(name: string): Promise<{ deviceId: string; credential: string }> {
    const deviceId = await registerTestDevice(service.ctx, org, name);
    const enrollment = await enrollmentOf(deviceId);
    expect(enrollment.status, enrollment.text).toBe(201);
    const enrolled = await enroll({ code: enrollment.body.code });
    expect(enrolled.status, enrolled.text).toBe(200);
    return { deviceId, credential: enrolled.body.credential };
  }

  it('enrolls a gateway with its one-time code and answers its signed statement', async () => {
    const deviceId = await registerTestDevice(service.ctx, org, 'esg-1');
    await associatedLicense(service.ctx, org, deviceId, 'SPC-1YR-LIC');
    await associatedLicense(service.ctx, org, deviceId, 'SPC-3YR-LIC');
    const enrollment = await enrollmentOf(deviceId);
    expect(enrollment.status, enrollment.text).toBe(201);
    expect(enrollment.body).toMatchObject({ deviceId, code: expect.stringMatching(/^ske_/) });
    const enrolled = await enroll({ code: enrollment.body.code });
    expect(enrolled.status, enrolled.text).toBe(200);
    expect(enrolled.body).toMatchObject({ deviceId, organizationId: org.organizationId });

    const answer = await statement(enrolled.body.credential, { connected: 3 });
    expect(answer.status, answer.text).toBe(200);
    const keys = new Map([[service.ctx.vendor.kid, service.ctx.vendor.publicKey]]);
    const payload = value(verifyGatewayStatement(answer.body.statement, keys));
    expect(payload.deviceId).toBe(deviceId);
    expect(gatewaySeats(statementBindings(payload), clock.now(), new Date(payload.validUntil)).seats).toBe(
      32,
    );
    expect(answer.body.refreshAfterMs).toBeGreaterThan(0);

    expectProblem(await enroll({ code: enrollment.body.code }), 401, 'enrollment_invalid', 'code');
  });

  it('states a shared license’s lease to each gateway, never more than its users in all', async () => {
    const [a, b] = [await enrolledDevice('share-a'), await enrolledDevice('share-b')];
    const licenseId = await associatedLicense(service.ctx, org, a.deviceId, 'SPC-1YR-150-LIC');
    await shareWith(service.ctx, org, licenseId, b.deviceId);
    const answers = await Promise.all([
      statement(a.credential, { connected: 0, wanted: 100 }),
      statement(b.credential, { connected: 0, wanted: 100 }),
    ]);
    const leases = answers.map((answer) => {
      expect(answer.status, answer.text).toBe(200);
      return answer.body.statement.payload.licenses.find((license) => license.licenseId === licenseId)?.lease;
    });
    expect(leases.map((lease) => lease?.seats).sort()).toEqual([52, 98]);
  });

  it('refuses codes to those who do not administer the device, as problems', async () => {
    const deviceId = await registerTestDevice(service.ctx, org, 'esg-2');
    expectProblem(await call('POST', `/v1/devices/${deviceId}/enrollment`), 401, 'unauthenticated');
    expectProblem(await enrollmentOf(deviceId, 'skt_garbage'), 401, 'unauthenticated');
    const stranger = await testOrganization(service.ctx, 'Elsewhere');
    expectProblem(await enrollmentOf(deviceId, stranger.ownerToken), 404, 'device_not_found');
    expectProblem(await enrollmentOf('not-a-device'), 400, 'validation_failed');
    expectProblem(await enrollmentOf('dev_00000000000000000000000000'), 404, 'device_not_found');
  });

  it('refuses malformed enrollments with 400 and unknown codes with 401, never a 500', async () => {
    for (const body of [
      {},
      { code: '' },
      { code: 7 },
      { code: 'ske_x', extra: true },
      { code: 'x'.repeat(201) },
    ])
      expectProblem(await enroll(body), 400, 'validation_failed');
    expectProblem(await call('POST', '/v1/gateways/enroll', { raw: '{"code":' }), 400, 'invalid_json');
    expectProblem(
      await call('POST', '/v1/gateways/enroll', {
        raw: 'code=ske_x',
        contentType: 'application/x-www-form-urlencoded',
      }),
      415,
      'unsupported_media_type',
    );
    expectProblem(await enroll({ code: 'ske_unknown' }), 401, 'enrollment_invalid', 'code');
  });

  it('needs the device credential for a statement, and refuses bad requests, never a 500', async () => {
    const { deviceId, credential } = await enrolledDevice('esg-3');
    expectProblem(await statement(undefined), 401, 'device_credential_invalid');
    expectProblem(await statement('skd_wrong'), 401, 'device_credential_invalid');
    // An API token is no device credential, not even the organization owner's.
    expectProblem(await statement(org.ownerToken), 401, 'device_credential_invalid');
    for (const body of [
      {},
      { connected: -1 },
      { connected: '3' },
      { connected: 1.5 },
      { connected: 0, wanted: -1 },
      { connected: 0, serverId: 'x' },
      [],
    ])
      expectProblem(await statement(credential, body), 400, 'validation_failed');
    expectProblem(
      await call('POST', '/v1/gateways/statement', { token: credential, raw: '{' }),
      400,
      'invalid_json',
    );
    const replacement = await registerTestDevice(service.ctx, org, 'esg-3b');
    await replaced(service.ctx, org, deviceId, replacement);
    expectProblem(await statement(credential), 401, 'device_credential_invalid');
  });

  it('documents the three routes in a valid OpenAPI document', async () => {
    const document = await call<{ paths: Record<string, unknown> }>('GET', '/openapi.json');
    expect(document.status).toBe(200);
    const result = await new Validator().validate(document.body as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/devices/{id}/enrollment',
        '/v1/gateways/enroll',
        '/v1/gateways/statement',
      ]),
    );
  });
});

describe('failed gateway credentials over HTTP', () => {
  const clock = new ManualClock('2026-11-30T12:00:00.000Z');
  let service: InProcessService;
  let call: Call;

  beforeAll(async () => {
    service = await startInProcessService(clock, 'sqlite', {
      failureLimits: { perAddress: 1000, perPrefix: 3, windowMs: 600_000 },
    });
    call = client(service.url);
  });
  afterAll(async () => {
    await service?.close();
  });

  it('refuses guesses at codes and credentials that begin alike once there were too many', async () => {
    for (let i = 0; i < 3; i++) {
      const code = `ske_guessing${i}`;
      expectProblem(await call('POST', '/v1/gateways/enroll', { body: { code } }), 401, 'enrollment_invalid');
    }
    expectProblem(
      await call('POST', '/v1/gateways/enroll', { body: { code: 'ske_guessingX' } }),
      429,
      'rate_limited',
    );
    for (let i = 0; i < 3; i++)
      expectProblem(
        await call('POST', '/v1/gateways/statement', { token: `skd_guessing${i}`, body: { connected: 0 } }),
        401,
        'device_credential_invalid',
      );
    expectProblem(
      await call('POST', '/v1/gateways/statement', { token: 'skd_guessingX', body: { connected: 0 } }),
      429,
      'rate_limited',
    );
    // A credential that begins otherwise is not held up by them.
    expectProblem(
      await call('POST', '/v1/gateways/statement', { token: 'skd_other', body: { connected: 0 } }),
      401,
      'device_credential_invalid',
    );
  });
});
