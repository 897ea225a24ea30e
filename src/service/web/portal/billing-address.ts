import type { BillingAddress, BillingAddressInput } from '../../../contract/invoices.js';
import { ERRORS } from '../../../domain/errors.js';
import { formError } from '../../../html/document.js';
import { csrfInput, field } from '../../../html/forms.js';
import { type Html, html } from '../../../html/html.js';
import { unwrap } from '../../http/problem.js';
import { billingAddressFor, saveBillingAddress } from '../../invoices/billing-address.js';
import { page } from '../layout.js';
import { day } from '../parts.js';
import { noticeOf, sendPage } from '../respond.js';
import { type Customer, Redirect, requireOwner } from '../visitor.js';
import type { WebModule } from '../web-module.js';

type Values = Record<keyof BillingAddress, string>;

const FIELDS: readonly {
  name: keyof BillingAddress;
  label: string;
  required?: boolean;
  hint?: string;
  autocomplete: string;
}[] = [
  { name: 'companyName', label: 'Company name', required: true, autocomplete: 'organization' },
  { name: 'address', label: 'Address', required: true, autocomplete: 'street-address' },
  { name: 'city', label: 'City', required: true, autocomplete: 'address-level2' },
  { name: 'state', label: 'State or province', autocomplete: 'address-level1' },
  {
    name: 'country',
    label: 'Country',
    hint: 'Its two-letter code, such as US or DE: it decides the tax on invoices.',
    autocomplete: 'country',
  },
  { name: 'taxInfo', label: 'Tax ID (VAT number)', autocomplete: 'off' },
  { name: 'phone', label: 'Phone', autocomplete: 'tel' },
  { name: 'website', label: 'Website', autocomplete: 'url' },
];

const valuesOf = (address: BillingAddress | null): Values =>
  Object.fromEntries(FIELDS.map(({ name }) => [name, address?.[name] ?? ''])) as Values;

function form(customer: Customer, values: Values, updatedAt: string | null, error?: string): Html {
  return html`<h1>Billing Address</h1>
<p class="hint">Invoices issued from now on show this address under “Billed To”; invoices already issued keep what they show.${
    updatedAt === null ? '' : ` Last saved on ${day(updatedAt)}.`
  }</p>
${formError(error)}
<form method="post" action="/billing-address" class="panel">
${csrfInput(customer.csrf)}
${FIELDS.map(
  (
    item,
  ) => html`<label for="${item.name}">${item.label}${item.required ? '' : html` <span class="muted">(optional)</span>`}</label>
<input id="${item.name}" name="${item.name}" type="text" autocomplete="${item.autocomplete}" value="${values[item.name]}"${
    item.required ? html` required` : ''
  }${item.hint === undefined ? '' : html` aria-describedby="${item.name}-hint"`}${item.name === 'country' ? html` maxlength="2"` : ''}>
${item.hint === undefined ? '' : html`<p class="hint" id="${item.name}-hint">${item.hint}</p>`}`,
)}
<p class="actions"><button type="submit">Save billing address</button></p>
</form>`;
}

/** Billing Address: what the account's next invoices are billed to, and the country their tax follows. */
export const billingAddressPages: WebModule = (app, { ctx }) => {
  const show = (customer: Customer, body: Html, notice?: string) =>
    page({ title: 'Billing Address', visitor: customer, section: '/billing-address', notice, body });

  app.get('/billing-address', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const saved = unwrap(await billingAddressFor(ctx, customer.principal, customer.principal.accountId));
    return sendPage(
      reply,
      show(
        customer,
        form(customer, valuesOf(saved.billingAddress), saved.updatedAt),
        noticeOf(request, { saved: 'Saved: the next invoices are billed to this address.' }),
      ),
    );
  });

  app.post('/billing-address', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const values = valuesOf(null);
    for (const { name } of FIELDS) values[name] = field(request.body, name);
    values.country = values.country.toUpperCase();
    const input: BillingAddressInput = {
      companyName: values.companyName,
      address: values.address,
      city: values.city,
      state: values.state,
      taxInfo: values.taxInfo,
      phone: values.phone,
      website: values.website,
      country: values.country === '' ? null : values.country,
    };
    const saved = await saveBillingAddress(ctx, customer.principal, customer.principal.accountId, input);
    if (!saved.ok) {
      const before = unwrap(await billingAddressFor(ctx, customer.principal, customer.principal.accountId));
      // The operation names the API's field (companyName); the page names the label beside it.
      const label = FIELDS.find((item) => item.name === saved.error.field)?.label;
      const message =
        label === undefined ? saved.error.detail : saved.error.detail.replace(saved.error.field ?? '', label);
      return sendPage(
        reply,
        show(customer, form(customer, values, before.updatedAt, message)),
        ERRORS[saved.error.code].status,
      );
    }
    throw new Redirect('/billing-address?done=saved');
  });
};
