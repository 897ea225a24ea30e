import { newId } from '../../src/domain/ids.js';
import type { Principal } from '../../src/service/auth/principal.js';
import { registerDevice } from '../../src/service/gateways/devices.js';
import { addKey, issueGatewayKey } from '../../src/service/gateways/keys.js';
import { associateLicense } from '../../src/service/gateways/licenses.js';
import { createOrganization } from '../../src/service/gateways/organizations.js';
import { shareLicense } from '../../src/service/gateways/sharing.js';
import { anyUser, staffOnly } from './authz-expectations.js';
import type { BearerCase, Entry, World } from './authz-routes.js';

/**
 * The gateway console's rows of the authorization MATRIX: an organization's administrators (the
 * account's owner) and staff manage it; a member who is not one of its administrators is refused;
 * another account's organizations, devices and licenses answer as unknown.
 */
const STAFF: Principal = { kind: 'staff', userId: 'usr_matrix' };
const UNKNOWN = { org: newId('org', 1), dev: newId('dev', 1), gwl: newId('gwl', 1), acc: newId('acc', 1) };

const ADMINS = (success: number): Record<BearerCase, number> => ({
  'no token': 401,
  'garbage token': 401,
  "another account's owner": 404,
  member: 403,
  owner: success,
  staff: success,
});

const ok = <T>(result: { ok: true; value: T } | { ok: false; error: { detail: string } }): T => {
  if (!result.ok) throw new Error(result.error.detail);
  return result.value;
};

let made = 0;
const orgOfA = async (w: World) =>
  ok(await createOrganization(w.ctx, STAFF, { accountId: w.a.accountId, name: `Matrix ${++made}` })).id;

async function deviceIn(w: World, organizationId: string): Promise<string> {
  const n = ++made;
  const hex = n.toString(16).padStart(4, '0');
  return ok(
    await registerDevice(w.ctx, STAFF, organizationId, {
      name: `ESG ${n}`,
      model: 'ESG510',
      serialNumber: `MATRIX-${n}`,
      mac: `02:00:00:00:${hex.slice(0, 2)}:${hex.slice(2)}`,
    }),
  ).id;
}

async function licenseIn(w: World, organizationId: string, sku = 'SPC-1YR-LIC'): Promise<string> {
  const issued = ok(await issueGatewayKey(w.ctx, STAFF, { accountId: w.a.accountId, sku, quantity: 1 }));
  const [licenseId] = ok(await addKey(w.ctx, STAFF, organizationId, issued.key)).licenseIds;
  if (licenseId === undefined) throw new Error('the key held no license');
  return licenseId;
}

async function associatedIn(w: World, sku = 'SPC-1YR-LIC') {
  const org = await orgOfA(w);
  const device = await deviceIn(w, org);
  const license = await licenseIn(w, org, sku);
  ok(await associateLicense(w.ctx, STAFF, license, device));
  return { org, device, license };
}

const memberOfA = async (w: World) => {
  const row = await w.ctx.store.db
    .selectFrom('users')
    .select('id')
    .where('account_id', '=', w.a.accountId)
    .where('role', '=', 'member')
    .executeTakeFirstOrThrow();
  return row.id;
};

export const GATEWAY_ROUTES: Record<string, Entry> = {
  'POST /v1/organizations': {
    auth: 'bearer',
    // A member makes no organization (403); another account's owner names an account it cannot see.
    expect: ADMINS(201),
    request: (w) => ({ path: '/v1/organizations', body: { accountId: w.a.accountId, name: 'Branch' } }),
    unknown: () => ({ path: '/v1/organizations', body: { accountId: UNKNOWN.acc, name: 'Branch' } }),
  },
  'GET /v1/organizations': {
    auth: 'bearer',
    expect: anyUser(200),
    request: () => ({ path: '/v1/organizations' }),
  },
  'GET /v1/organizations/{id}': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => ({ path: `/v1/organizations/${await orgOfA(w)}` }),
    unknown: () => ({ path: `/v1/organizations/${UNKNOWN.org}` }),
  },
  'POST /v1/organizations/{id}/admins': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => ({
      path: `/v1/organizations/${await orgOfA(w)}/admins`,
      body: { userId: await memberOfA(w) },
    }),
    unknown: () => ({ path: `/v1/organizations/${UNKNOWN.org}/admins`, body: { userId: newId('usr', 1) } }),
  },
  'POST /v1/organizations/{id}/devices': {
    auth: 'bearer',
    expect: ADMINS(201),
    request: async (w) => {
      const n = ++made;
      return {
        path: `/v1/organizations/${await orgOfA(w)}/devices`,
        body: {
          name: 'ESG',
          model: 'ESG510',
          serialNumber: `NEW-${n}`,
          mac: `06:00:00:00:00:${(n % 256).toString(16).padStart(2, '0')}`,
        },
      };
    },
    unknown: () => ({
      path: `/v1/organizations/${UNKNOWN.org}/devices`,
      body: { name: 'ESG', model: 'ESG510', serialNumber: 'NEW-0', mac: '06:00:00:00:01:00' },
    }),
  },
  'GET /v1/organizations/{id}/devices': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => ({ path: `/v1/organizations/${(await associatedIn(w)).org}/devices` }),
    unknown: () => ({ path: `/v1/organizations/${UNKNOWN.org}/devices` }),
  },
  'GET /v1/organizations/{id}/licenses': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => ({ path: `/v1/organizations/${(await associatedIn(w)).org}/licenses` }),
    unknown: () => ({ path: `/v1/organizations/${UNKNOWN.org}/licenses` }),
  },
  'POST /v1/organizations/{id}/license-keys': {
    auth: 'bearer',
    expect: ADMINS(201),
    request: async (w) => {
      const issued = ok(
        await issueGatewayKey(w.ctx, STAFF, { accountId: w.a.accountId, sku: 'SPC-3YR-LIC', quantity: 2 }),
      );
      return { path: `/v1/organizations/${await orgOfA(w)}/license-keys`, body: { key: issued.key } };
    },
    unknown: () => ({
      path: `/v1/organizations/${UNKNOWN.org}/license-keys`,
      body: { key: 'AAAA-AAAA-AAAA-AAAA-AAAA' },
    }),
  },
  'POST /v1/gateway-keys/preview': {
    auth: 'bearer',
    // The key is the credential, as a delivered key is: whoever holds it may see what it holds.
    expect: anyUser(200),
    request: async (w) => {
      const issued = ok(
        await issueGatewayKey(w.ctx, STAFF, { accountId: w.a.accountId, sku: 'SPC-1YR-LIC', quantity: 3 }),
      );
      return { path: '/v1/gateway-keys/preview', body: { key: issued.key } };
    },
  },
  'POST /v1/gateway-keys': {
    auth: 'bearer',
    expect: staffOnly(201),
    request: (w) => ({
      path: '/v1/gateway-keys',
      body: { accountId: w.a.accountId, sku: 'SPC-1YR-LIC', quantity: 1 },
    }),
  },
  'GET /v1/gateway-keys/{id}': {
    auth: 'bearer',
    // The key is the owner's, as an order's invoice is: a member does not see it.
    expect: { ...ADMINS(200), member: 404 },
    request: async (w) => {
      const issued = ok(
        await issueGatewayKey(w.ctx, STAFF, { accountId: w.a.accountId, sku: 'SPC-1YR-LIC', quantity: 1 }),
      );
      return { path: `/v1/gateway-keys/${issued.id}` };
    },
    unknown: () => ({ path: `/v1/gateway-keys/${newId('gwk', 1)}` }),
  },
  'GET /v1/devices/{id}': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => ({ path: `/v1/devices/${(await associatedIn(w)).device}` }),
    unknown: () => ({ path: `/v1/devices/${UNKNOWN.dev}` }),
  },
  'POST /v1/devices/{id}/move': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => {
      const { device } = await associatedIn(w);
      return { path: `/v1/devices/${device}/move`, body: { organizationId: await orgOfA(w) } };
    },
    unknown: () => ({ path: `/v1/devices/${UNKNOWN.dev}/move`, body: { organizationId: UNKNOWN.org } }),
  },
  'POST /v1/devices/{id}/replace': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => {
      const { org, device } = await associatedIn(w);
      return { path: `/v1/devices/${device}/replace`, body: { replacementId: await deviceIn(w, org) } };
    },
    unknown: () => ({ path: `/v1/devices/${UNKNOWN.dev}/replace`, body: { replacementId: newId('dev', 2) } }),
  },
  'GET /v1/gateway-licenses/{id}': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => ({ path: `/v1/gateway-licenses/${(await associatedIn(w)).license}` }),
    unknown: () => ({ path: `/v1/gateway-licenses/${UNKNOWN.gwl}` }),
  },
  'POST /v1/gateway-licenses/{id}/associate': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => {
      const org = await orgOfA(w);
      const license = await licenseIn(w, org);
      return {
        path: `/v1/gateway-licenses/${license}/associate`,
        body: { deviceId: await deviceIn(w, org) },
      };
    },
    unknown: () => ({
      path: `/v1/gateway-licenses/${UNKNOWN.gwl}/associate`,
      body: { deviceId: UNKNOWN.dev },
    }),
  },
  'POST /v1/gateway-licenses/{id}/undo': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => ({ path: `/v1/gateway-licenses/${(await associatedIn(w)).license}/undo` }),
    unknown: () => ({ path: `/v1/gateway-licenses/${UNKNOWN.gwl}/undo` }),
  },
  'POST /v1/gateway-licenses/{id}/move': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => ({
      path: `/v1/gateway-licenses/${await licenseIn(w, await orgOfA(w))}/move`,
      body: { organizationId: await orgOfA(w) },
    }),
    unknown: () => ({
      path: `/v1/gateway-licenses/${UNKNOWN.gwl}/move`,
      body: { organizationId: UNKNOWN.org },
    }),
  },
  'POST /v1/gateway-licenses/{id}/share': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => {
      const { org, license } = await associatedIn(w, 'SPC-1YR-150-LIC');
      return { path: `/v1/gateway-licenses/${license}/share`, body: { deviceIds: [await deviceIn(w, org)] } };
    },
    unknown: () => ({
      path: `/v1/gateway-licenses/${UNKNOWN.gwl}/share`,
      body: { deviceIds: [UNKNOWN.dev] },
    }),
  },
  'DELETE /v1/gateway-licenses/{id}/replicas/{deviceId}': {
    auth: 'bearer',
    expect: ADMINS(200),
    request: async (w) => {
      const { org, license } = await associatedIn(w, 'SPC-1YR-150-LIC');
      const replica = await deviceIn(w, org);
      ok(await shareLicense(w.ctx, STAFF, license, [replica]));
      return { path: `/v1/gateway-licenses/${license}/replicas/${replica}` };
    },
    unknown: () => ({ path: `/v1/gateway-licenses/${UNKNOWN.gwl}/replicas/${UNKNOWN.dev}` }),
  },
};
