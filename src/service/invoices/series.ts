import { SERIES_PATTERN } from '../../contract/invoices.js';
import type { ServiceContext } from '../context.js';

/** Invoice numbers start with this unless the service is told otherwise (`SK-000001`). */
export const DEFAULT_INVOICE_PREFIX = 'SK-';

const SERIES = new RegExp(SERIES_PATTERN);

/** A prefix a person can read out and a file name can hold: 1 to 12 letters, digits, `-` or `_`. */
export const isInvoicePrefix = (text: string): boolean => SERIES.test(text);

/** The series new invoices are numbered in: its counter is keyed by the prefix. */
export const invoiceSeries = (ctx: ServiceContext): string =>
  ctx.policy.invoicePrefix ?? DEFAULT_INVOICE_PREFIX;
