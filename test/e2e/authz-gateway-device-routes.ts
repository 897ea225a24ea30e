import { newId } from '../../src/domain/ids.js';
import { createEnrollment } from '../../src/service/gateways/enrollment.js';
import {
  enrolledCredential,
  organizationOf,
  registerTestDevice,
  type TestOrganization,
} from '../support/gateways.js';
import type { Entry, KeyCase, World } from './authz-routes.js';

/**
 * The gateway's side: enrollment codes are for administrators of the device's organization; a
 * gateway's own credential (a code, then its device credential) is the key of the other two.
 */
const organizations = new WeakMap<World, Promise<TestOrganization>>();
const organizationOfA = (w: World): Promise<TestOrganization> => {
  let organization = organizations.get(w);
  if (organization === undefined) {
    organization = organizationOf(w.ctx, w.a.owner, 'Matrix gateways');
    organizations.set(w, organization);
  }
  return organization;
};

/** A device of account A's organization, registered for this call alone. */
const freshDevice = async (w: World): Promise<{ organization: TestOrganization; deviceId: string }> => {
  const organization = await organizationOfA(w);
  return { organization, deviceId: await registerTestDevice(w.ctx, organization) };
};

/** What a gateway presents as `who`: an API token is no gateway credential, even the other account's owner's. */
async function gatewayKey(w: World, who: KeyCase, real: () => Promise<string>): Promise<string | undefined> {
  switch (who) {
    case 'no key':
      return undefined;
    case 'garbage key':
      return 'skd_garbage';
    case "another account's key":
      return w.b.owner;
    case 'the key':
      return real();
  }
}

export const GATEWAY_DEVICE_ROUTES: Record<string, Entry> = {
  'POST /v1/devices/{id}/enrollment': {
    auth: 'bearer',
    expect: {
      'no token': 401,
      'garbage token': 401,
      "another account's owner": 404,
      // The account's member is not an administrator of its organizations until the owner says so.
      member: 403,
      owner: 201,
      staff: 201,
    },
    request: async (w) => ({ path: `/v1/devices/${(await freshDevice(w)).deviceId}/enrollment` }),
    unknown: () => ({ path: `/v1/devices/${newId('dev', 1)}/enrollment` }),
  },
  'POST /v1/gateways/enroll': {
    auth: 'key',
    expect: { 'no key': 400, 'garbage key': 401, "another account's key": 401, 'the key': 200 },
    request: async (w, who) => {
      const code = await gatewayKey(w, who, async () => {
        const { organization, deviceId } = await freshDevice(w);
        const enrollment = await createEnrollment(w.ctx, organization.owner, deviceId);
        if (!enrollment.ok) throw new Error(enrollment.error.detail);
        return enrollment.value.code;
      });
      return { path: '/v1/gateways/enroll', body: code === undefined ? {} : { code } };
    },
  },
  'POST /v1/gateways/statement': {
    auth: 'key',
    expect: { 'no key': 401, 'garbage key': 401, "another account's key": 401, 'the key': 200 },
    request: async (w, who) => {
      const credential = await gatewayKey(w, who, async () => {
        const { organization, deviceId } = await freshDevice(w);
        return enrolledCredential(w.ctx, organization, deviceId);
      });
      return {
        path: '/v1/gateways/statement',
        body: { connected: 0 },
        ...(credential === undefined ? {} : { headers: { authorization: `Bearer ${credential}` } }),
      };
    },
  },
};
