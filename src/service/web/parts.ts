import { type Html, html } from '../../html/html.js';
import type { LicenseView } from '../licenses/operations.js';

/** Pieces pages share: badges, dates, the key status in the seeds' words. */

export type Tone = 'ok' | 'warn' | 'bad' | 'plain';

export const badge = (text: string, tone: Tone = 'plain'): Html =>
  html`<span class="badge${tone === 'plain' ? '' : ` ${tone}`}">${text}</span>`;

/** A day as people read it, in UTC like the rest of the service: `2027-03-01`. */
export const day = (instant: Date | string | number): string => new Date(instant).toISOString().slice(0, 10);

/** Within this many days of its end, a working key is shown as expiring. */
export const EXPIRING_WITHIN_DAYS = 30;

export type KeyShownStatus = 'not activated' | 'active' | 'expiring' | 'expired' | 'revoked';

export function shownKeyStatus(key: LicenseView, now: Date): KeyShownStatus {
  if (key.status === 'revoked') return 'revoked';
  if (key.status === 'expired') return 'expired';
  const soon = new Date(key.ends).getTime() - now.getTime() <= EXPIRING_WITHIN_DAYS * 86_400_000;
  if (soon && !key.legacy && new Date(key.ends).getTime() > now.getTime()) return 'expiring';
  return key.status === 'active' ? 'active' : 'not activated';
}

const TONE_OF: Record<KeyShownStatus, Tone> = {
  'not activated': 'plain',
  active: 'ok',
  expiring: 'warn',
  expired: 'bad',
  revoked: 'bad',
};

export const keyStatusBadge = (key: LicenseView, now: Date): Html => {
  const status = shownKeyStatus(key, now);
  return badge(status, TONE_OF[status]);
};

/** A table with a caption and headers; an empty list says so instead of showing nothing. */
export function table(parts: {
  caption: string;
  head: readonly (string | Html)[];
  rows: readonly Html[];
  empty: string;
  numeric?: readonly number[];
}): Html {
  if (parts.rows.length === 0) return html`<p class="panel muted">${parts.empty}</p>`;
  return html`<table>
<caption>${parts.caption}</caption>
<thead><tr>${parts.head.map(
    (cell, i) => html`<th scope="col"${parts.numeric?.includes(i) ? html` class="number"` : ''}>${cell}</th>`,
  )}</tr></thead>
<tbody>${parts.rows}</tbody>
</table>`;
}
