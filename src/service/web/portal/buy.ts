import type { FastifyReply } from 'fastify';
import type { Catalog } from '../../../contract/catalog.js';
import { ERRORS, type Failure } from '../../../domain/errors.js';
import {
  checkOrder,
  NET_TERMS_DAYS,
  OFFLINE_MINIMUM_CONNECTIONS,
  ONLINE_MINIMUM_CONNECTIONS,
} from '../../../domain/purchase-rules.js';
import { formError } from '../../../html/document.js';
import { csrfInput, field, wholeNumber } from '../../../html/forms.js';
import { type Html, html } from '../../../html/html.js';
import { catalogAt } from '../../catalog/operations.js';
import type { ServiceContext } from '../../context.js';
import { createOrder, createQuote } from '../../orders/operations.js';
import { page } from '../layout.js';
import { sendPage } from '../respond.js';
import { type Customer, Redirect, requireOwner } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { newAttempt } from './order-page.js';
import { attemptOf } from './orders.js';

type Product = Catalog['products'][number];

/** What the buy page sells: fixed keys and subscriptions (gateway licenses have their own pages). */
const sellable = (catalog: Catalog | undefined): Product[] =>
  catalog?.products.filter((product) => product.kind === 'key' || product.kind === 'subscription') ?? [];

const OFFLINE_WAYS = [
  ['purchase_order', 'Purchase order'],
  ['bank_wire', 'Bank wire'],
  ['ach', 'ACH'],
] as const;

/** What the customer typed, kept when a form is refused. */
type Typed = Record<string, string>;

interface BuyState {
  online?: { error: string; typed: Typed };
  offline?: { error: string; typed: Typed };
}

const fromPrice = (product: Product): string => {
  const cheapest = product.tiers.at(-1)?.unitPriceText ?? '';
  const first = product.tiers[0]?.unitPriceText ?? '';
  return first === cheapest ? `${first} per connection` : `${first} per connection, down to ${cheapest}`;
};

function productSelect(id: string, products: Product[], chosen: string | undefined): Html {
  return html`<label for="${id}">Product</label>
<select id="${id}" name="sku">${products.map(
    (product) =>
      html`<option value="${product.sku}"${product.sku === chosen ? html` selected` : ''}>${product.name} (${fromPrice(product)})</option>`,
  )}</select>`;
}

function buyBody(customer: Customer, catalog: Catalog | undefined, state: BuyState): Html {
  const products = sellable(catalog);
  if (products.length === 0)
    return html`<h1>Buy new keys</h1><p class="panel">Nothing is on sale right now: no price book is in force. Please open a <a href="/support/new">support request</a>.</p>`;
  const online = state.online?.typed ?? {};
  const offline = state.offline?.typed ?? {};
  const offlineWay = offline.paymentMethod ?? 'purchase_order';
  return html`<h1>Buy new keys</h1>
<p>When you purchase more connections, the price per connection goes down. A fixed key’s term starts on the day it is paid; a subscription is billed every period.</p>
<section class="panel" aria-labelledby="online">
<h2 id="online">Buy online: card or PayPal</h2>
${formError(state.online?.error)}
<form method="post" action="/buy">
${csrfInput(customer.csrf)}
${productSelect('online-sku', products, online.sku)}
<label for="online-connections">Connections</label>
<input id="online-connections" name="connections" type="number" min="1" step="1" required value="${online.connections ?? String(ONLINE_MINIMUM_CONNECTIONS)}" aria-describedby="online-hint">
<p class="hint" id="online-hint">Online orders are for ${ONLINE_MINIMUM_CONNECTIONS} connections or more. The next page shows the price and takes the payment.</p>
<p class="actions"><button type="submit">Get a quote</button></p>
</form>
</section>
<section class="panel" aria-labelledby="offline">
<h2 id="offline">${OFFLINE_MINIMUM_CONNECTIONS}+ connections: purchase order, bank wire or ACH</h2>
<p>We accept bank transfers/wires and purchase orders for ${OFFLINE_MINIMUM_CONNECTIONS}+ concurrent license orders, on ${NET_TERMS_DAYS} Day Net Terms. The order issues its invoice at once, for your accounts payable department; bank wire and ACH payment details are on it. The keys are issued when the payment arrives.</p>
${formError(state.offline?.error)}
<form method="post" action="/buy/purchase-order">
${csrfInput(customer.csrf)}
<input type="hidden" name="attempt" value="${newAttempt()}">
${productSelect('offline-sku', products, offline.sku)}
<label for="offline-connections">Connections</label>
<input id="offline-connections" name="connections" type="number" min="${OFFLINE_MINIMUM_CONNECTIONS}" step="1" required value="${offline.connections ?? String(OFFLINE_MINIMUM_CONNECTIONS)}">
<fieldset><legend>How your accounts payable department pays</legend>
${OFFLINE_WAYS.map(
  ([value, label]) =>
    html`<label class="choice"><input type="radio" name="paymentMethod" value="${value}"${value === offlineWay ? html` checked` : ''}> ${label}</label>`,
)}
</fieldset>
<label for="reference">Purchase order number <span class="muted">(optional)</span></label>
<input id="reference" name="reference" type="text" maxlength="100" autocomplete="off" value="${offline.reference ?? ''}">
<label for="ap-email">Accounts payable email</label>
<input id="ap-email" name="accountsPayableEmail" type="email" required autocomplete="email" value="${offline.accountsPayableEmail ?? ''}">
<label for="end-user">End user’s registered account, for the license upload</label>
<input id="end-user" name="endUserAccount" type="text" required value="${offline.endUserAccount ?? customer.email}">
<p class="actions"><button type="submit">Place the order on Net ${NET_TERMS_DAYS}</button></p>
</form>
</section>`;
}

/** Buy: new fixed keys or subscriptions, online as a quote to pay, or on net terms by purchase order. */
export const buyPages: WebModule = (app, { ctx }) => {
  const catalogNow = async (context: ServiceContext) => {
    const catalog = await catalogAt(context, context.clock.now());
    return catalog.ok ? catalog.value : undefined;
  };
  const show = async (reply: FastifyReply, customer: Customer, state: BuyState, status = 200) =>
    sendPage(
      reply,
      page({
        title: 'Buy new keys',
        visitor: customer,
        section: '/keys',
        body: buyBody(customer, await catalogNow(ctx), state),
      }),
      status,
    );

  /** The product and connections a form names, or why they cannot be sold. */
  async function itemOf(
    body: unknown,
  ): Promise<
    | { ok: true; item: { type: 'key' | 'subscription'; sku: string; connections: number } }
    | { ok: false; failure: Failure }
  > {
    const sku = field(body, 'sku');
    const product = sellable(await catalogNow(ctx)).find((known) => known.sku === sku);
    const connections = wholeNumber(body, 'connections');
    if (product === undefined)
      return {
        ok: false,
        failure: { code: 'product_not_found', detail: 'Choose one of the products listed.' },
      };
    if (connections === undefined || connections < 1)
      return {
        ok: false,
        failure: { code: 'validation_failed', detail: 'Type the connections: a whole number, 1 or more.' },
      };
    return { ok: true, item: { type: product.kind === 'key' ? 'key' : 'subscription', sku, connections } };
  }

  const typedOf = (body: unknown, names: readonly string[]): Typed =>
    Object.fromEntries(names.map((name) => [name, field(body, name)]));

  app.get('/buy', async (request, reply) => show(reply, await requireOwner(ctx, request, reply), {}));

  app.post('/buy', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const typed = typedOf(request.body, ['sku', 'connections']);
    const refuse = (failure: Failure) =>
      show(reply, customer, { online: { error: failure.detail, typed } }, ERRORS[failure.code].status);
    const chosen = await itemOf(request.body);
    if (!chosen.ok) return refuse(chosen.failure);
    // The purchase rules, before anything is priced: online orders start at 10 connections.
    const allowed = checkOrder(chosen.item.connections, 'card');
    if (!allowed.ok) return refuse(allowed.error);
    const quote = await createQuote(ctx, customer.principal, {
      accountId: customer.principal.accountId,
      items: [chosen.item],
    });
    if (!quote.ok) return refuse(quote.error);
    throw new Redirect(`/orders/${quote.value.id}`);
  });

  app.post('/buy/purchase-order', async (request, reply) => {
    const customer = await requireOwner(ctx, request, reply);
    const typed = typedOf(request.body, [
      'sku',
      'connections',
      'paymentMethod',
      'reference',
      'accountsPayableEmail',
      'endUserAccount',
    ]);
    const refuse = (failure: Failure) =>
      show(reply, customer, { offline: { error: failure.detail, typed } }, ERRORS[failure.code].status);
    const attempt = attemptOf(request.body);
    const chosen = await itemOf(request.body);
    if (!chosen.ok) return refuse(chosen.failure);
    const way = OFFLINE_WAYS.find(([value]) => value === typed.paymentMethod)?.[0];
    if (way === undefined)
      return refuse({ code: 'validation_failed', detail: 'Choose purchase order, bank wire or ACH.' });
    if ((typed.reference ?? '').length > 100)
      return refuse({
        code: 'validation_failed',
        detail: 'The purchase order number is at most 100 characters.',
      });
    const placed = await createOrder(
      ctx,
      customer.principal,
      {
        accountId: customer.principal.accountId,
        items: [chosen.item],
        paymentMethod: way,
        purchaseOrder: {
          accountsPayableEmail: typed.accountsPayableEmail ?? '',
          endUserAccount: typed.endUserAccount ?? '',
          ...(typed.reference ? { reference: typed.reference } : {}),
        },
      },
      `web-po:${attempt}`,
    );
    if (!placed.ok) return refuse(placed.error);
    throw new Redirect(`/orders/${placed.value.id}?done=placed`);
  });
};
