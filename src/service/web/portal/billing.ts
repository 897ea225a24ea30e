import type { WebModule } from '../web-module.js';
import { billingAddressPages } from './billing-address.js';
import { buyPages } from './buy.js';
import { invoicePages } from './invoices.js';
import { orderPages } from './orders.js';
import { renewPages } from './renew.js';

/** The owner's billing pages: renewing keys, buying, orders and paying them, invoices, the billing address. */
export const billingPages: WebModule = (app, deps) => {
  for (const pages of [renewPages, orderPages, buyPages, invoicePages, billingAddressPages]) pages(app, deps);
};
