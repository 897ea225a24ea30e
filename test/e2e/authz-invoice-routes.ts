import { newId } from '../../src/domain/ids.js';
import { finalizeInvoice } from '../../src/service/invoices/operations.js';
import { draftFor } from '../support/invoices.js';
import type { BearerCase, Entry, World } from './authz-routes.js';

/**
 * The invoice and billing routes' rows of the authorization MATRIX: only the account's owner (and
 * staff) see billing details and invoices; members are refused; staff move invoices.
 */

const UNKNOWN_INVOICE = newId('inv', 1);
const UNKNOWN_ACCOUNT = newId('acc', 1);

const STAFF_ONLY: Record<BearerCase, number> = {
  'no token': 401,
  'garbage token': 401,
  "another account's owner": 403,
  member: 403,
  owner: 403,
  staff: 200,
};

/** The owner and staff: another account's answers as unknown, a member is refused. */
const OWNER_AND_STAFF: Record<BearerCase, number> = {
  ...STAFF_ONLY,
  "another account's owner": 404,
  owner: 200,
};

const draftOfA = (w: World) => draftFor(w.ctx, w.a.accountId);

async function openInvoiceOfA(w: World): Promise<string> {
  const draft = await draftOfA(w);
  const finalized = await finalizeInvoice(w.ctx, { id: draft.id, actor: 'usr_matrix' });
  if (!finalized.ok) throw new Error(finalized.error.detail);
  return draft.id;
}

const ADDRESS = { companyName: 'Acme GmbH', address: 'Hauptstraße 1', city: 'Berlin' };

export const INVOICE_ROUTES: Record<string, Entry> = {
  'GET /v1/invoices': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF,
    request: (w) => ({ path: `/v1/invoices?accountId=${w.a.accountId}` }),
    unknown: () => ({ path: `/v1/invoices?accountId=${UNKNOWN_ACCOUNT}` }),
  },
  'GET /v1/invoices/gaps': {
    auth: 'bearer',
    expect: STAFF_ONLY,
    request: () => ({ path: '/v1/invoices/gaps' }),
  },
  'GET /v1/invoices/{id}': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF,
    request: async (w) => ({ path: `/v1/invoices/${await openInvoiceOfA(w)}` }),
    unknown: () => ({ path: `/v1/invoices/${UNKNOWN_INVOICE}` }),
  },
  'GET /v1/invoices/{id}/html': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF,
    request: async (w) => ({ path: `/v1/invoices/${await openInvoiceOfA(w)}/html` }),
    unknown: () => ({ path: `/v1/invoices/${UNKNOWN_INVOICE}/html` }),
  },
  'GET /v1/invoices/{id}/pdf': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF,
    request: async (w) => ({ path: `/v1/invoices/${await openInvoiceOfA(w)}/pdf` }),
    unknown: () => ({ path: `/v1/invoices/${UNKNOWN_INVOICE}/pdf` }),
  },
  'POST /v1/invoices/{id}/finalize': {
    auth: 'bearer',
    expect: STAFF_ONLY,
    request: async (w) => ({ path: `/v1/invoices/${(await draftOfA(w)).id}/finalize` }),
    unknown: () => ({ path: `/v1/invoices/${UNKNOWN_INVOICE}/finalize` }),
  },
  'POST /v1/invoices/{id}/pay': {
    auth: 'bearer',
    expect: STAFF_ONLY,
    request: async (w) => ({ path: `/v1/invoices/${await openInvoiceOfA(w)}/pay` }),
    unknown: () => ({ path: `/v1/invoices/${UNKNOWN_INVOICE}/pay` }),
  },
  'POST /v1/invoices/{id}/void': {
    auth: 'bearer',
    expect: STAFF_ONLY,
    request: async (w) => ({ path: `/v1/invoices/${await openInvoiceOfA(w)}/void` }),
    unknown: () => ({ path: `/v1/invoices/${UNKNOWN_INVOICE}/void` }),
  },
  'GET /v1/accounts/{id}/billing-address': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF,
    request: (w) => ({ path: `/v1/accounts/${w.a.accountId}/billing-address` }),
    unknown: () => ({ path: `/v1/accounts/${UNKNOWN_ACCOUNT}/billing-address` }),
  },
  'PUT /v1/accounts/{id}/billing-address': {
    auth: 'bearer',
    expect: OWNER_AND_STAFF,
    request: (w) => ({ path: `/v1/accounts/${w.a.accountId}/billing-address`, body: ADDRESS }),
    unknown: () => ({ path: `/v1/accounts/${UNKNOWN_ACCOUNT}/billing-address`, body: ADDRESS }),
  },
};
