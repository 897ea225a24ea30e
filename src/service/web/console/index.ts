import type { WebModule } from '../web-module.js';
import { accountPages } from './account.js';
import { accountListPages } from './accounts.js';
import { billingPages } from './billing.js';
import { catalogPages } from './catalog.js';
import { recordPages } from './records.js';
import { requestPages } from './requests.js';

/** The console for vendor staff: every page asks for a staff visitor; a customer gets 403. */
export const consolePages: WebModule = (app, deps) => {
  for (const pages of [requestPages, accountListPages, accountPages, billingPages, catalogPages, recordPages])
    pages(app, deps);
};
