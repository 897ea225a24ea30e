import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AccountBillingAddress,
  Invoice,
  InvoiceGaps,
  InvoicePage,
} from '../../src/contract/invoices.js';
import { addMember } from '../../src/service/accounts/operations.js';
import { ManualClock } from '../support/clock.js';
import { staffToken } from '../support/factories.js';
import { type Call, client, expectProblem } from '../support/http.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { billedAccount, draftFor } from '../support/invoices.js';

const ADDRESS = {
  companyName: 'Acme GmbH',
  address: 'Hauptstraße 1',
  city: 'Łódź',
  state: 'Łódzkie',
  taxInfo: 'PL1234567890',
  phone: '+48 42 123 45 67',
  website: 'https://acme.example',
};

/** The invoice routes as the owner and staff use them, and what they answer to bad input. */
describe('invoices over HTTP', () => {
  const clock = new ManualClock('2026-11-30T12:00:00.000Z');
  let service: InProcessService;
  let call: Call;
  let staff: string;
  let owner: string;
  let accountId: string;

  beforeAll(async () => {
    service = await startInProcessService(clock);
    call = client(service.url);
    staff = await staffToken(service.ctx);
    const account = await billedAccount(service.ctx, 'Acme GmbH');
    accountId = account.accountId;
    owner = account.ownerToken;
  });
  afterAll(async () => service?.close());

  const finalize = (id: string) => call<Invoice>('POST', `/v1/invoices/${id}/finalize`, { token: staff });

  it('bills an invoice to the address saved before it was finalized, and keeps showing that one', async () => {
    const saved = await call<AccountBillingAddress>('PUT', `/v1/accounts/${accountId}/billing-address`, {
      token: owner,
      body: ADDRESS,
    });
    expect(saved.status, saved.text).toBe(200);
    const draft = await draftFor(service.ctx, accountId);
    expect((await finalize(draft.id)).body).toMatchObject({ status: 'open', number: 'SK-000001' });
    await call('PUT', `/v1/accounts/${accountId}/billing-address`, {
      token: owner,
      body: { ...ADDRESS, city: 'Berlin', state: null },
    });
    const shown = await call<Invoice>('GET', `/v1/invoices/${draft.id}`, { token: owner });
    expect(shown.body.billedTo).toEqual({
      accountName: 'Acme GmbH',
      email: expect.stringMatching(/@acme\.example$/),
      address: { ...ADDRESS, country: null },
    });
    const listed = await call<InvoicePage>('GET', '/v1/invoices?status=open', { token: owner });
    expect(listed.body.invoices.map((invoice) => invoice.id)).toEqual([draft.id]);
    const address = await call<AccountBillingAddress>('GET', `/v1/accounts/${accountId}/billing-address`, {
      token: owner,
    });
    expect(address.body.billingAddress).toMatchObject({ city: 'Berlin', state: null });
  });

  it('refuses a move the invoice’s state does not allow, with a stable code', async () => {
    const draft = await draftFor(service.ctx, accountId);
    expectProblem(
      await call('POST', `/v1/invoices/${draft.id}/pay`, { token: staff }),
      409,
      'invoice_not_open',
      'id',
    );
    expect((await finalize(draft.id)).status).toBe(200);
    expectProblem(await finalize(draft.id), 409, 'invoice_not_draft', 'id');
    const voided = await call<Invoice>('POST', `/v1/invoices/${draft.id}/void`, { token: staff });
    expect(voided.body).toMatchObject({ status: 'void', number: 'SK-000002' });
    expectProblem(
      await call('POST', `/v1/invoices/${draft.id}/pay`, { token: staff }),
      409,
      'invoice_not_open',
      'id',
    );
    const gaps = await call<InvoiceGaps>('GET', '/v1/invoices/gaps?series=SK-', { token: staff });
    expect(gaps.body).toEqual({ series: 'SK-', lastNumber: 2, missing: [], duplicates: [], beyond: [] });
  });

  it('gives the owner an issued invoice as a web page and as a PDF file; a member, another account and a draft get none', async () => {
    const draft = await draftFor(service.ctx, accountId);
    const html = (token: string, id = draft.id) => call('GET', `/v1/invoices/${id}/html`, { token });
    const pdf = (token: string, id = draft.id) => call('GET', `/v1/invoices/${id}/pdf`, { token });
    expectProblem(await html(owner), 409, 'invoice_is_draft', 'id');
    expectProblem(await pdf(staff), 409, 'invoice_is_draft', 'id');
    const finalized = await finalize(draft.id);
    const number = (finalized.body as Invoice).number;

    const page = await html(owner);
    expect(page.status, page.text).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(page.headers.get('cache-control')).toBe('private, no-store');
    expect(page.text).toContain(`<h1>Invoice ${number}</h1>`);
    // Billed to the address saved last (the first test's).
    expect(page.text).toContain('<p>Berlin</p>');

    const file = await fetch(`${service.url}/v1/invoices/${draft.id}/pdf`, {
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="${number}.pdf"`);
    expect(
      Buffer.from(await file.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    expect((await pdf(staff)).status).toBe(200);

    const added = await addMember(service.ctx, accountId, 'member@acme.example');
    if (!added.ok) throw new Error(added.error.detail);
    expectProblem(await html(added.value.token), 403, 'forbidden');
    expectProblem(await pdf(added.value.token), 403, 'forbidden');
    const other = await billedAccount(service.ctx, 'Other GmbH');
    expectProblem(await html(other.ownerToken), 404, 'invoice_not_found', 'id');
    expectProblem(await pdf(other.ownerToken), 404, 'invoice_not_found', 'id');
    expectProblem(await pdf(owner, 'inv_0000000000aaaaaaaaaaaaaaaa'), 404, 'invoice_not_found', 'id');
    expectProblem(await pdf(owner, 'SK-000001'), 400, 'validation_failed');
    expectProblem(await call('GET', `/v1/invoices/${draft.id}/pdf`), 401, 'unauthenticated');

    const openapi = await call<{ paths: Record<string, { get: { responses: Record<string, unknown> } }> }>(
      'GET',
      '/openapi.json',
    );
    expect(openapi.body.paths['/v1/invoices/{id}/pdf']?.get.responses['200']).toMatchObject({
      content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
    });
    expect(openapi.body.paths['/v1/invoices/{id}/html']?.get.responses['200']).toMatchObject({
      content: { 'text/html': { schema: { type: 'string' } } },
    });
    expect(Object.keys(openapi.body.paths['/v1/invoices/{id}/pdf']?.get.responses ?? {})).toEqual(
      expect.arrayContaining(['403', '404', '409']),
    );
  });

  it('refuses bad input with a 400 that names the field', async () => {
    const put = (body: unknown) =>
      call('PUT', `/v1/accounts/${accountId}/billing-address`, { token: owner, body });
    expectProblem(await put({ ...ADDRESS, city: 'Berlin\r\nX-Forged: 1' }), 400, 'validation_failed');
    expectProblem(await put({ ...ADDRESS, companyName: '' }), 400, 'validation_failed');
    expectProblem(await put({ ...ADDRESS, vatRate: 19 }), 400, 'validation_failed');
    expectProblem(await put({ ...ADDRESS, country: 'de' }), 400, 'validation_failed', 'country');
    expectProblem(await put({ ...ADDRESS, country: 'DEU' }), 400, 'validation_failed', 'country');
    expectProblem(
      await call('GET', '/v1/invoices/gaps?series=no%20spaces', { token: staff }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('GET', '/v1/invoices?status=unpaid', { token: owner }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('POST', '/v1/invoices/SK-000001/finalize', { token: staff }),
      400,
      'validation_failed',
    );
  });
});
