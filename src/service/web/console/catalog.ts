import type { Catalog, PriceBookView } from '../../../contract/catalog.js';
import { type Html, html } from '../../../html/html.js';
import { bookAt, catalogOf, listPriceBooks } from '../../catalog/operations.js';
import { page } from '../layout.js';
import { badge, day, table } from '../parts.js';
import { sendPage } from '../respond.js';
import { requireStaffVisitor } from '../visitor.js';
import type { WebModule } from '../web-module.js';

type CatalogProduct = Catalog['products'][number];

const termOf = (product: CatalogProduct): string =>
  product.period !== undefined
    ? `billed ${product.period}`
    : product.termYears === undefined
      ? ''
      : `${product.termYears}-year term`;

const tiersOf = (product: CatalogProduct): Html[] =>
  product.tiers.map(
    (tier, index) =>
      html`${index === 0 ? '' : html`<br>`}${tier.upTo === null ? `${tier.from} and more` : `${tier.from}–${tier.upTo}`}: ${tier.unitPriceText} each`,
  );

function bookSection(view: PriceBookView, state: 'in force' | 'scheduled'): Html {
  const book = catalogOf({ ...view, effectiveFrom: new Date(view.effectiveFrom) });
  return html`<section class="panel" aria-labelledby="book-${view.version}">
<h2 id="book-${view.version}">${view.version} ${badge(state, state === 'in force' ? 'ok' : 'warn')}</h2>
<p>In force from ${view.effectiveFrom.slice(0, 16).replace('T', ' ')} UTC, prices in ${view.currency}; published ${day(view.createdAt)} by ${view.createdBy}.</p>
${table({
  caption: `Products of ${view.version} and their price per connection by quantity`,
  head: ['Product', 'SKU', 'Kind', 'Term', 'Prices'],
  rows: book.products.map(
    (product) => html`<tr>
<td>${product.name}</td>
<td><code>${product.sku}</code></td>
<td>${product.kind}</td>
<td>${termOf(product)}</td>
<td>${tiersOf(product)}</td>
</tr>`,
  ),
  empty: 'This book has no products.',
})}
</section>`;
}

/** Catalog: the price book in force, those scheduled to follow it, and the ones before. */
export const catalogPages: WebModule = (app, { ctx }) => {
  app.get('/console/catalog', async (request, reply) => {
    const staff = await requireStaffVisitor(ctx, request, reply);
    const now = ctx.clock.now();
    const [books, current] = await Promise.all([listPriceBooks(ctx), bookAt(ctx, now)]);
    // Which book is in force is the operation's answer, the same one a quote gets.
    const inForce = current.ok
      ? books.find((book) => book.version === current.value.book.version)
      : undefined;
    const started = books.filter((book) => new Date(book.effectiveFrom).getTime() <= now.getTime());
    const scheduled = books.filter((book) => new Date(book.effectiveFrom).getTime() > now.getTime());
    const earlier = started.filter((book) => book !== inForce);
    const body = html`<h1>Catalog</h1>
${inForce === undefined ? html`<p class="error" role="alert">No price book is in force: nothing can be sold until one is.</p>` : bookSection(inForce, 'in force')}
${scheduled.map((book) => bookSection(book, 'scheduled'))}
<h2>Earlier price books</h2>
${table({
  caption: 'Books no longer in force; orders and quotes made with them keep their prices',
  head: ['Version', 'In force from', 'Currency', 'Published by'],
  rows: earlier.map(
    (book) =>
      html`<tr><td>${book.version}</td><td>${day(book.effectiveFrom)}</td><td>${book.currency}</td><td>${book.createdBy}</td></tr>`,
  ),
  empty: 'No earlier price book.',
})}
<p class="hint">Books never change once published: publish a new one with <code>seatkeeper catalog add FILE.json</code> or the API.</p>`;
    return sendPage(reply, page({ title: 'Catalog', visitor: staff, section: '/console/catalog', body }));
  });
};
