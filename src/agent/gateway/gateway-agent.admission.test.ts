import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { tempDir } from '../../../test/support/engines.js';
import {
  admitMany,
  at,
  DEVICE,
  license,
  ORG,
  payloadOf,
  START,
  stateDirs,
  TWO_LICENSES,
  vendor,
} from '../../../test/support/gateway-agent.js';
import { LIMIT_EXCEEDED_MESSAGE } from '../../domain/errors.js';
import {
  type GatewayStatement,
  type StatementLicense,
  signGatewayStatement,
} from '../../domain/gateway-statement.js';
import type { VendorKey } from '../installation.js';
import { GatewayAgent } from './gateway-agent.js';
import { GatewayState } from './gateway-state.js';

describe('the gateway agent', () => {
  const dirs = stateDirs();

  /** An enrolled gateway's state directory holding `statement`, and its agent. */
  function gatewayWith(
    statement: GatewayStatement | undefined,
    options: { keys: VendorKey[]; clock?: ManualClock; fetch?: typeof fetch; sentAt?: number },
  ) {
    const dir = tempDir('seatkeeper-gateway-');
    dirs.push(dir);
    const clock = options.clock ?? new ManualClock(START);
    const state = new GatewayState(dir.path);
    state.saveEnrollment(
      { deviceId: DEVICE, organizationId: ORG, serviceUrl: 'http://service.test', enrolledAt: START },
      'skd_credential',
    );
    if (statement !== undefined)
      state.saveStatement({
        statement,
        refreshAfterMs: 60_000,
        sentAt: options.sentAt ?? clock.now().getTime(),
        receivedAt: clock.now().getTime(),
      });
    const agent = new GatewayAgent({
      stateDir: dir.path,
      clock,
      vendorKeys: options.keys,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    return { agent, clock, dir: dir.path };
  }

  it('admits the 32nd tunnel and refuses the 33rd with the licensed-amount message', () => {
    const { privateKey, key, kid } = vendor();
    const { agent } = gatewayWith(signGatewayStatement(payloadOf(kid), privateKey), { keys: [key] });
    expect(admitMany(agent, 32)).toBe(32);
    expect(agent.admit({ id: 't32' })).toEqual({
      admitted: false,
      code: 'license_limit_exceeded',
      message: LIMIT_EXCEEDED_MESSAGE,
    });
    const usage = agent.usage();
    expect(usage).toMatchObject({
      profile: 'gateway',
      deviceId: DEVICE,
      connected: 32,
      licensed: 32,
      secupointVpnClient: { maximum: 32, builtIn: 2 },
      problem: null,
    });
    expect(usage.licenses.map((l) => [l.sku, l.seats, l.status, l.ends])).toEqual([
      ['SPC-1YR-LIC', 20, 'counting', '2027-11-01T00:00:00.000Z'],
      ['SPC-3YR-LIC', 10, 'counting', '2029-11-01T00:00:00.000Z'],
    ]);
    // A seat freed is a seat for the next tunnel.
    expect(agent.release('t0')).toBe(true);
    expect(agent.admit({ id: 't33' }).admitted).toBe(true);
  });

  it('with no statement, admits the 2 built-in seats only', () => {
    const { key } = vendor();
    const { agent } = gatewayWith(undefined, { keys: [key] });
    expect(admitMany(agent, 3)).toBe(2);
    expect(agent.usage()).toMatchObject({ statement: null, problem: null, licensed: 2, licenses: [] });
  });

  it('counts nothing of a tampered statement, one signed by another key, or one for another device; a move keeps it', () => {
    const { privateKey, key, kid } = vendor();
    const signed = signGatewayStatement(payloadOf(kid), privateKey);
    const tampered = {
      ...signed,
      payload: { ...signed.payload, licenses: [license({ licenseId: 'gwl_one_year', users: 200 })] },
    };
    const stranger = vendor();
    const foreign = signGatewayStatement(payloadOf(stranger.kid), stranger.privateKey);
    const otherDevice = signGatewayStatement(payloadOf(kid, { deviceId: 'dev_other' }), privateKey);
    const otherOrganization = signGatewayStatement(
      payloadOf(kid, { organizationId: 'org_other' }),
      privateKey,
    );
    // The device moved to another organization with its licenses: it is still this gateway.
    expect(admitMany(gatewayWith(otherOrganization, { keys: [key] }).agent, 40)).toBe(32);
    for (const [statement, problem] of [
      [tampered, /signature does not verify/],
      [foreign, /not a pinned vendor key/],
      [otherDevice, /another device/],
      [{ payload: 'garbage' }, /damaged/],
    ] as const) {
      const { agent } = gatewayWith(statement as GatewayStatement, { keys: [key] });
      expect(admitMany(agent, 5)).toBe(2);
      const usage = agent.usage();
      expect(usage.problem).toMatch(problem);
      expect(usage).toMatchObject({ licensed: 2, statement: null, licenses: [] });
    }
  });

  it('offline, admits 32 until the statement’s validity ends, then the 2 built-in only, dropping no tunnel', () => {
    const { privateKey, key, kid } = vendor();
    const { agent, clock } = gatewayWith(signGatewayStatement(payloadOf(kid), privateKey), { keys: [key] });
    expect(admitMany(agent, 20, 'a')).toBe(20);
    expect(agent.untilCapacityChanges()).toBe(Date.parse('2026-11-30T12:00:00Z') - clock.now().getTime());
    clock.set('2026-11-30T11:59:59.999Z');
    expect(admitMany(agent, 12, 'b')).toBe(12);
    expect(agent.admit({ id: 'late' }).admitted).toBe(false);
    clock.set('2026-11-30T12:00:00.000Z');
    const usage = agent.usage();
    expect(usage).toMatchObject({ connected: 32, licensed: 2, statement: { valid: false } });
    expect(
      usage.licenses.every((l) => l.status === 'not_counting' && /past its validity/.test(l.reason ?? '')),
    ).toBe(true);
    // The tunnels up stay up; as they go, only 2 come back in.
    for (let i = 0; i < 20; i++) agent.release(`a${i}`);
    for (let i = 0; i < 12; i++) agent.release(`b${i}`);
    expect(admitMany(agent, 3, 'c')).toBe(2);
  });

  it('a license that ends takes its seats away at its end, and the others stay', () => {
    const { privateKey, key, kid } = vendor();
    const statement = signGatewayStatement(
      payloadOf(kid, {
        validUntil: at('2028-01-01T00:00:00Z'),
        licenses: [
          license({ licenseId: 'gwl_short', ends: at('2026-12-01T00:00:00Z') }),
          ...TWO_LICENSES.slice(1),
        ],
      }),
      privateKey,
    );
    const { agent, clock } = gatewayWith(statement, { keys: [key] });
    expect(agent.capacity()).toBe(32);
    clock.set('2026-12-01T00:00:00Z');
    expect(agent.capacity()).toBe(12);
    expect(agent.usage().licenses[0]).toMatchObject({ seats: 0, status: 'not_counting', reason: /expired/ });
  });

  it('a lease that runs out frees only the leased seats; its own license and the built-in stay', () => {
    const { privateKey, key, kid } = vendor();
    const statement = signGatewayStatement(
      payloadOf(kid, {
        licenses: [
          TWO_LICENSES[0] as StatementLicense,
          license({
            licenseId: 'gwl_shared',
            sku: 'SPC-1YR-150',
            users: 150,
            lease: { seats: 30, until: at('2026-11-23T12:05:00Z') },
          }),
        ],
      }),
      privateKey,
    );
    const { agent, clock } = gatewayWith(statement, { keys: [key] });
    expect(agent.usage()).toMatchObject({ licensed: 52 });
    expect(agent.usage().licenses[1]).toMatchObject({
      seats: 30,
      lease: { seats: 30, until: '2026-11-23T12:05:00.000Z' },
    });
    clock.set('2026-11-23T12:05:00Z');
    expect(agent.capacity()).toBe(22);
    expect(agent.usage().licenses[1]).toMatchObject({ seats: 0, reason: /lease ran out/ });
  });

  it('counts a lease from the sending of its request on its own clock, never past the instant signed', () => {
    const { privateKey, key, kid } = vendor();
    const statement = signGatewayStatement(
      payloadOf(kid, {
        licenses: [
          license({
            licenseId: 'gwl_shared',
            users: 150,
            lease: { seats: 30, until: at('2026-11-23T12:05:00Z') },
          }),
        ],
      }),
      privateKey,
    );
    // This gateway's clock is a minute behind the service's: the 5-minute lease ends 5 minutes
    // after it asked, on its own clock, not 6.
    const clock = new ManualClock('2026-11-23T11:59:00Z');
    const { agent } = gatewayWith(statement, { keys: [key], clock });
    expect(agent.capacity()).toBe(32);
    clock.set('2026-11-23T12:04:00Z');
    expect(agent.capacity()).toBe(2);
  });
});
