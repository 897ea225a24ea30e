import { type Static, Type } from '@sinclair/typebox';
import { SINGLE_LINE } from '../domain/text.js';
import { NextPage, PageQuery, Shared } from './common.js';
import { Id } from './ids.js';

export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];
export const InvoiceStatus = Type.Union(INVOICE_STATUSES.map((status) => Type.Literal(status)));

/** Amounts are integer minor units (cents) of the invoice's currency. */
const Amount = (description: string) => Type.Integer({ description });

export const INVOICE_KINDS = ['invoice', 'credit_note'] as const;
export type InvoiceKind = (typeof INVOICE_KINDS)[number];
export const InvoiceKind = Type.Union(INVOICE_KINDS.map((kind) => Type.Literal(kind)));

/** ISO 3166 alpha-2, in capitals: `DE`. */
export const COUNTRY_PATTERN = '^[A-Z]{2}$';

export const InvoiceLine = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 500, pattern: SINGLE_LINE }),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    unitAmount: Amount('Price of one unit, in minor units; negative on a credit (a proration credit)'),
    amount: Amount('quantity x unitAmount, in minor units'),
  },
  { additionalProperties: false },
);
export type InvoiceLine = Static<typeof InvoiceLine>;

const Line = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: SINGLE_LINE });
const OptionalLine = (maxLength: number) => Type.Optional(Type.Union([Line(maxLength), Type.Null()]));
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

/** What the account's owner saves; invoices finalized after it show it in "Billed To". */
export const BillingAddressInput = Type.Object(
  {
    companyName: Line(200),
    address: Line(500),
    city: Line(200),
    state: OptionalLine(200),
    taxInfo: OptionalLine(100),
    phone: OptionalLine(50),
    website: OptionalLine(200),
    country: Type.Optional(
      Type.Union([
        Type.String({
          pattern: COUNTRY_PATTERN,
          description: 'ISO 3166 alpha-2 country code, such as DE: it picks the tax rate',
        }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type BillingAddressInput = Static<typeof BillingAddressInput>;

export const BillingAddress = Type.Object(
  {
    companyName: Type.String(),
    address: Type.String(),
    city: Type.String(),
    state: Nullable(Type.String({ description: 'State or province' })),
    taxInfo: Nullable(Type.String({ description: 'VAT or other tax number' })),
    phone: Nullable(Type.String()),
    website: Nullable(Type.String({ description: 'The company’s website' })),
    country: Type.Optional(Nullable(Type.String({ description: 'ISO 3166 alpha-2 country code' }))),
  },
  { $id: 'BillingAddress' },
);
export type BillingAddress = Static<typeof BillingAddress>;

export const AccountBillingAddress = Type.Object({
  accountId: Type.String(),
  billingAddress: Type.Union([Shared(BillingAddress), Type.Null()], {
    description: 'null until the owner saves one',
  }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type AccountBillingAddress = Static<typeof AccountBillingAddress>;

/** "Billed To" as the invoice showed it when it was finalized. */
export const BilledTo = Type.Object({
  accountName: Type.String(),
  email: Type.String(),
  address: Type.Union([Shared(BillingAddress), Type.Null()], {
    description: 'The billing address saved when the invoice was finalized; null if none was',
  }),
});
export type BilledTo = Static<typeof BilledTo>;

export const Invoice = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    status: InvoiceStatus,
    kind: InvoiceKind,
    creditsInvoiceId: Type.Union([Type.String(), Type.Null()], {
      description: 'A credit note: the invoice it credits; null on an invoice',
    }),
    order: Type.Union(
      [
        Type.Object({
          number: Type.String({ description: 'The order it bills (SO-...)' }),
          purchaseOrder: Type.Union([
            Type.Object({
              accountsPayableEmail: Type.String(),
              endUserAccount: Type.String(),
              reference: Type.Optional(Type.String()),
            }),
            Type.Null(),
          ]),
        }),
        Type.Null(),
      ],
      { description: 'The order it bills, with its purchase order; null for an invoice made by hand' },
    ),
    number: Type.Union([Type.String(), Type.Null()], {
      description: 'Given at finalization, e.g. SK-000042; a voided invoice keeps it',
    }),
    series: Type.Union([Type.String(), Type.Null()]),
    sequence: Type.Union([Type.Integer(), Type.Null()], { description: 'The number within its series' }),
    currency: Type.String(),
    lines: Type.Array(InvoiceLine),
    subtotal: Amount('Sum of the lines, in minor units'),
    taxRate: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description: 'The rate tax was computed at, in parts per million: 19% = 190000',
    }),
    tax: Amount('Tax, in minor units'),
    total: Amount('subtotal + tax, in minor units'),
    billedTo: Type.Union([BilledTo, Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    finalizedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    dueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    paidAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    voidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Invoice' },
);
export type Invoice = Static<typeof Invoice>;

export const InvoiceQuery = Type.Object(
  {
    accountId: Type.Optional(Id('acc', 'Staff: one account’s invoices')),
    status: Type.Optional(InvoiceStatus),
    ...PageQuery('inv'),
  },
  { additionalProperties: false },
);

export const InvoicePage = Type.Object({ invoices: Type.Array(Shared(Invoice)), next: NextPage });
export type InvoicePage = Static<typeof InvoicePage>;

export const SERIES_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,11}$';

export const GapsQuery = Type.Object(
  {
    series: Type.Optional(
      Type.String({
        pattern: SERIES_PATTERN,
        description: 'The series (prefix); the configured one by default',
      }),
    ),
  },
  { additionalProperties: false },
);

export const InvoiceGaps = Type.Object({
  series: Type.String(),
  lastNumber: Type.Integer({ description: 'The last number the series gave out' }),
  missing: Type.Array(Type.Integer(), { description: 'Numbers from 1 to lastNumber no invoice has' }),
  duplicates: Type.Array(Type.Integer(), { description: 'Numbers more than one invoice has' }),
  beyond: Type.Array(Type.Integer(), { description: 'Numbers above lastNumber' }),
});
export type InvoiceGaps = Static<typeof InvoiceGaps>;

export type InvoiceOrder = NonNullable<Static<typeof Invoice>['order']>;
