import { createAccount } from '../../src/service/accounts/operations.js';
import type { AppDeps } from '../../src/service/app.js';
import { createStaff } from '../../src/service/auth/staff.js';
import { issueLicense, type LicenseView } from '../../src/service/licenses/operations.js';
import type { Engine } from '../../src/service/store/database.js';
import { ManualClock } from '../support/clock.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { value } from '../support/results.js';
import { FormClient, givePassword } from '../support/web.js';

/** Every page of the console, as the navigation names them. */
export const CONSOLE_PAGES = [
  '/console',
  '/console/accounts',
  '/console/orders',
  '/console/invoices',
  '/console/catalog',
  '/console/audit',
  '/console/reminders',
] as const;

export const STAFF = 'staff@vendor.example';

export interface Customer {
  email: string;
  accountId: string;
  key: LicenseView;
}

/**
 * A service with a staff user and two customer accounts, each with a key bought today and never
 * activated (one a refund would take), every user with the test password.
 */
export async function consoleWorld(engine: Engine = 'sqlite', deps: Partial<AppDeps> = {}) {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  const service: InProcessService = await startInProcessService(clock, engine, deps);
  const { ctx } = service;
  value(await createStaff(ctx, STAFF));
  await givePassword(ctx, STAFF);
  const customer = async (email: string, name: string): Promise<Customer> => {
    const { account } = value(await createAccount(ctx, { email, name }));
    await givePassword(ctx, email);
    const key = value(await issueLicense(ctx, { accountId: account.id, connections: 10 }));
    return { email, accountId: account.id, key };
  };
  const owner = await customer('owner@example.com', 'Example Corp');
  const other = await customer('other@example.net', 'Other Ltd');
  const signedIn = async (email: string): Promise<FormClient> => {
    const browser = new FormClient(service.url);
    const answer = await browser.signIn(email);
    if (answer.status !== 303) throw new Error(`${email} could not sign in: ${answer.status}`);
    return browser;
  };
  return { clock, service, ctx, owner, other, signedIn };
}

/** A refund request the customer opens through the Support form; its page's path. */
export async function openedRefund(
  browser: FormClient,
  key: LicenseView,
  message = 'Bought twice by mistake.',
) {
  await browser.get('/support/new');
  const opened = await browser.post('/support/new', { type: 'refund', licenseId: key.id, message });
  if (opened.status !== 303 || opened.location === null)
    throw new Error(`the request was not opened: ${opened.status} ${opened.html.slice(0, 400)}`);
  return opened.location.split('?')[0] ?? '';
}
