import { newId } from '../../src/domain/ids.js';
import { agentBody, beat, type Request, UNKNOWN, type World } from './authz-routes.js';

export interface Probe {
  method: string;
  foreign: (w: World) => Promise<Request> | Request;
  unknown: (w: World) => Request;
}

/** A support request to move a key to another account. */
const transferRequest = (licenseId: string) => ({
  type: 'transfer',
  licenseId,
  message: 'Moving to our new company.',
  toAccount: 'owner@b.example',
});

/** Other places than the table's request where a caller can name another account's things. */
export const MORE_PROBES: Record<string, Probe> = {
  'GET /v1/accounts?email=': {
    method: 'GET',
    foreign: (w) => ({ path: `/v1/accounts?email=${w.a.email}` }),
    unknown: () => ({ path: '/v1/accounts?email=owner@never.example' }),
  },
  'GET /v1/audit?entityId=': {
    method: 'GET',
    foreign: (w) => ({ path: `/v1/audit?entityId=${w.a.licenseId}` }),
    unknown: () => ({ path: `/v1/audit?entityId=${UNKNOWN.license}` }),
  },
  'GET /v1/audit?accountId=': {
    method: 'GET',
    foreign: (w) => ({ path: `/v1/audit?accountId=${w.a.accountId}` }),
    unknown: () => ({ path: `/v1/audit?accountId=${UNKNOWN.account}` }),
  },
  'POST /v1/support-requests, transfer to another account': {
    method: 'POST',
    foreign: (w) => ({ path: '/v1/support-requests', body: transferRequest(w.a.licenseId) }),
    unknown: () => ({ path: '/v1/support-requests', body: transferRequest(UNKNOWN.license) }),
  },
  // An agent's own key naming another account's server, against a server that never existed.
  "POST /v1/heartbeats, another account's server": {
    method: 'POST',
    foreign: (w) => ({ path: '/v1/heartbeats', body: beat(w, w.b.subscriptionKey, w.a.poolServer) }),
    unknown: (w) => ({ path: '/v1/heartbeats', body: beat(w, w.b.subscriptionKey, newId('srv', 1)) }),
  },
  "POST /v1/activations/status, another account's server": {
    method: 'POST',
    foreign: (w) => ({
      path: '/v1/activations/status',
      body: { key: w.b.licenseKey, serverId: w.a.boundServer },
    }),
    unknown: (w) => ({
      path: '/v1/activations/status',
      body: { key: w.b.licenseKey, serverId: newId('srv', 1) },
    }),
  },
  "POST /v1/activations/refresh, another account's server": {
    method: 'POST',
    foreign: (w) => ({
      path: '/v1/activations/refresh',
      body: agentBody(w.b.licenseKey, w.a.boundServer, 'x'),
    }),
    unknown: (w) => ({
      path: '/v1/activations/refresh',
      body: agentBody(w.b.licenseKey, newId('srv', 1), 'x'),
    }),
  },
};
