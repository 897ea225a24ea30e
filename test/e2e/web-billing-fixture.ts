import type { PriceBookInput } from '../../src/contract/catalog.js';
import { addMember, createAccount } from '../../src/service/accounts/operations.js';
import { addPriceBook } from '../../src/service/catalog/operations.js';
import { issueLicense, type LicenseView } from '../../src/service/licenses/operations.js';
import { listOrders } from '../../src/service/orders/order-reads.js';
import type { Engine } from '../../src/service/store/database.js';
import { ManualClock } from '../support/clock.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { ownerOf } from '../support/orders.js';
import { flatSubscriptionBook, oneProductBook } from '../support/price-books.js';
import { value } from '../support/results.js';
import { FormClient, givePassword } from '../support/web.js';

/**
 * The billing pages' world: a price book in force (key-1y at $20.00 a connection, subscriptions at
 * $10.00 a month), an account with two keys and a member, and another account with a key of its own.
 */

export const START = '2027-03-01T09:00:00.000Z';
export const OWNER = 'owner@example.com';
export const MEMBER = 'member@example.com';
export const STRANGER = 'stranger@example.org';

export const billingBook = (effectiveFrom: string): PriceBookInput => ({
  ...oneProductBook('web-2027', effectiveFrom),
  products: [
    ...oneProductBook('web-2027', effectiveFrom).products,
    ...flatSubscriptionBook('web-2027', effectiveFrom, 10_00).products,
  ],
});

export interface BillingWorld {
  clock: ManualClock;
  service: InProcessService;
  accountId: string;
  keys: LicenseView[];
  strangerAccountId: string;
  strangerKey: LicenseView;
}

export async function billingWorld(engine: Engine = 'sqlite'): Promise<BillingWorld> {
  const clock = new ManualClock(START);
  const service = await startInProcessService(clock, engine);
  const { ctx } = service;
  value(await addPriceBook(ctx, { book: billingBook(START), actor: 'usr_staff' }));
  const account = value(await createAccount(ctx, { email: OWNER, name: 'Example Corp' })).account;
  value(await addMember(ctx, account.id, MEMBER));
  const keys = [
    value(await issueLicense(ctx, { accountId: account.id, connections: 10 })),
    value(await issueLicense(ctx, { accountId: account.id, connections: 25 })),
  ];
  const stranger = value(await createAccount(ctx, { email: STRANGER, name: 'Other Inc' })).account;
  const strangerKey = value(await issueLicense(ctx, { accountId: stranger.id, connections: 30 }));
  for (const email of [OWNER, MEMBER, STRANGER]) await givePassword(ctx, email);
  return { clock, service, accountId: account.id, keys, strangerAccountId: stranger.id, strangerKey };
}

export async function signedIn(world: BillingWorld, email = OWNER): Promise<FormClient> {
  const browser = new FormClient(world.service.url);
  const answer = await browser.signIn(email);
  if (answer.status !== 303) throw new Error(`sign-in of ${email}: ${answer.status}`);
  return browser;
}

/** How many orders and quotes an account has: a refusal must leave it as it was. */
export async function orderCount(world: BillingWorld, accountId = world.accountId): Promise<number> {
  return value(await listOrders(world.service.ctx, ownerOf(accountId), {})).orders.length;
}

/** The order id a redirect names: `/orders/ord_...`. */
export function orderIdOf(location: string | null): string {
  const id = /^\/orders\/(ord_[A-Za-z0-9]+)/.exec(location ?? '')?.[1];
  if (id === undefined) throw new Error(`not an order page: ${location}`);
  return id;
}

/** The value of a hidden field of the last page's form (the first one with that name). */
export function hiddenField(browser: FormClient, name: string): string {
  const found = new RegExp(`name="${name}" value="([^"]+)"`).exec(browser.last?.html ?? '')?.[1];
  if (found === undefined) throw new Error(`the last page has no field ${name}`);
  return found;
}
