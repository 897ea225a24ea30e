import { type Html, html } from '../../../html/html.js';
import { type AccountView, findAccount } from '../../accounts/operations.js';
import type { ServiceContext } from '../../context.js';

/** What the console's pages share: the id in the path, a query value, accounts named by their ids. */

/** The accounts these ids name, read once each. */
export async function accountsByIds(
  ctx: ServiceContext,
  ids: readonly string[],
): Promise<Map<string, AccountView>> {
  const found = await Promise.all([...new Set(ids)].map((id) => findAccount(ctx, id)));
  return new Map(found.flatMap((account) => (account === undefined ? [] : [[account.id, account] as const])));
}

export const accountLink = (id: string, account: AccountView | undefined): Html =>
  html`<a href="/console/accounts/${id}">${account?.name ?? id}</a>`;

/** A filter's choices as a labelled select, the current one selected. */
export const choices = (
  id: string,
  label: string,
  options: readonly (readonly [string, string])[],
  current: string,
): Html => html`<label for="${id}">${label}</label>
<select id="${id}" name="${id}">${options.map(
  ([value, text]) =>
    html`<option value="${value}"${value === current ? html` selected` : ''}>${text}</option>`,
)}</select>`;
