import { createHash } from 'node:crypto';
import { escapeHtml } from '../../html/html.js';
import type { InvoiceDocument } from './document.js';

/** An invoice as a printable, accessible web page: the same words as its PDF, in the same order. */

const STYLE = `
body { font-family: "DejaVu Sans", Verdana, sans-serif; color: #111; margin: 2rem auto; max-width: 48rem; padding: 0 1rem; line-height: 1.4; }
.seller { font-weight: bold; color: #444; margin: 0; }
h1 { font-size: 1.6rem; margin: 0.25rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1.5rem; margin: 0; }
dt { font-weight: bold; }
dd { margin: 0; }
p { margin: 0.2rem 0; }
table { width: 100%; border-collapse: collapse; margin-top: 1.5rem; }
th, td { padding: 0.35rem 0.5rem; text-align: left; vertical-align: bottom; }
thead th { border-bottom: 2px solid #111; }
tbody th { font-weight: normal; }
tbody tr { border-bottom: 1px solid #ccc; }
.number { text-align: right; white-space: nowrap; }
tfoot th { text-align: right; }
tfoot tr:last-child { font-weight: bold; border-top: 2px solid #111; }
@media print { body { margin: 0; max-width: none; } }
`;

/** The page's only style, allowed by its hash: the page runs no script and loads nothing. */
export const INVOICE_HTML_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The invoice's own markup, without the page around it: its header (seller, heading, facts) and
 * its content (Billed To, the lines, how to pay). The portal's page shows the same two parts.
 */
export function invoiceMarkup(doc: InvoiceDocument): { header: string; content: string } {
  const e = escapeHtml;
  const paragraphs = (lines: string[]) => lines.map((line) => `<p>${e(line)}</p>`).join('\n');
  const [description, ...numeric] = doc.columns;
  const rows = doc.lines
    .map(
      (line) =>
        `<tr><th scope="row">${e(line.description)}</th><td class="number">${e(line.quantity)}</td>` +
        `<td class="number">${e(line.unitPrice)}</td><td class="number">${e(line.amount)}</td></tr>`,
    )
    .join('\n');
  const totals = doc.totals
    .map(
      (total) =>
        `<tr><th scope="row" colspan="3">${e(total.label)}</th><td class="number">${e(total.value)}</td></tr>`,
    )
    .join('\n');
  const header = `<p class="seller">${e(doc.seller)}</p>
<h1>${e(doc.heading)}</h1>
<dl>
${doc.facts.map((fact) => `<dt>${e(fact.label)}</dt><dd>${e(fact.value)}</dd>`).join('\n')}
</dl>
${doc.credits === null ? '' : `<p>${e(doc.credits)}</p>`}`;
  const content = `<section aria-labelledby="billed-to">
<h2 id="billed-to">${e(doc.billedTo.heading)}</h2>
${paragraphs(doc.billedTo.lines)}
</section>
<table>
<thead><tr><th scope="col">${e(description ?? '')}</th>${numeric.map((column) => `<th scope="col" class="number">${e(column)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
<tfoot>
${totals}
</tfoot>
</table>
<section aria-labelledby="payment">
<h2 id="payment">${e(doc.payment.heading)}</h2>
${paragraphs(doc.payment.lines)}
</section>`;
  return { header, content };
}

export function renderInvoiceHtml(doc: InvoiceDocument): string {
  const e = escapeHtml;
  const { header, content } = invoiceMarkup(doc);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(doc.heading)} from ${e(doc.seller)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
${header}
</header>
<main>
${content}
</main>
</body>
</html>
`;
}
