import { htmlDocument } from '../../html/document.js';
import { type Fragment, type Html, html } from '../../html/html.js';
import type { Principal } from '../auth/principal.js';

/** A place in the navigation: the current page's is marked for screen readers and the eye. */
interface NavItem {
  href: string;
  label: string;
  /** Shown only to the account's owner (billing, members). */
  ownerOnly?: boolean;
}

export const PORTAL_NAV: readonly NavItem[] = [
  { href: '/keys', label: 'License Keys' },
  { href: '/subscriptions', label: 'Subscriptions' },
  { href: '/usage', label: 'Usage' },
  { href: '/organizations', label: 'Gateways' },
  { href: '/invoices', label: 'Invoices', ownerOnly: true },
  { href: '/billing-address', label: 'Billing Address', ownerOnly: true },
  { href: '/support', label: 'Support' },
  { href: '/members', label: 'Members', ownerOnly: true },
];

export const CONSOLE_NAV: readonly NavItem[] = [
  { href: '/console', label: 'Support queue' },
  { href: '/console/accounts', label: 'Accounts' },
  { href: '/console/orders', label: 'Orders' },
  { href: '/console/invoices', label: 'Invoices' },
  { href: '/console/catalog', label: 'Catalog' },
  { href: '/console/audit', label: 'Audit log' },
  { href: '/console/reminders', label: 'Reminders' },
];

export const navFor = (principal: Principal): readonly NavItem[] =>
  principal.kind === 'staff'
    ? CONSOLE_NAV
    : PORTAL_NAV.filter((item) => item.ownerOnly !== true || principal.role === 'owner');

export interface PageParts {
  title: string;
  /** The signed-in visitor; pages for anybody (sign-in) have none. */
  visitor?: { email: string; principal: Principal; csrf: string } | undefined;
  /** The navigation entry this page belongs to (its href). */
  section?: string | undefined;
  /** A one-line outcome of what was just done ("Key renewed."), shown above the page. */
  notice?: string | undefined;
  body: Fragment;
}

function navigation(visitor: NonNullable<PageParts['visitor']>, section: string | undefined): Html {
  return html`<nav aria-label="Main"><ul>${navFor(visitor.principal).map(
    (item) =>
      html`<li><a href="${item.href}"${item.href === section ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
  )}</ul></nav>`;
}

/** Every page's frame: the navigation the visitor may use and who is signed in. */
export function page(parts: PageParts): Html {
  const { visitor } = parts;
  return htmlDocument({
    title: parts.title,
    notice: parts.notice,
    body: parts.body,
    header: html`<a class="brand" href="/">Seatkeeper</a>
${
  visitor === undefined
    ? ''
    : html`${navigation(visitor, parts.section)}
<form class="who" method="post" action="/sign-out"><span>${visitor.email}${visitor.principal.kind === 'staff' ? ' (staff)' : ''}</span>
<input type="hidden" name="_csrf" value="${visitor.csrf}"><button type="submit" class="link">Sign out</button></form>`
}`,
  });
}
