import { type Static, Type } from '@sinclair/typebox';
import { MAX_LICENSES_PER_KEY } from '../domain/gateway-license.js';
import { MAX_ITEM_CONNECTIONS } from '../domain/order.js';
import { Sku } from '../domain/price-book.js';
import { PRO_LICENSE_CONNECTIONS } from '../domain/purchase-rules.js';
import { Email, Instant, NextPage, PageQuery, Shared } from './common.js';
import { Id } from './ids.js';

const SubscriptionId = Id('sub', 'A subscription of the account, bought through an order');
const Connections = Type.Integer({
  minimum: 1,
  maximum: MAX_ITEM_CONNECTIONS,
  description: 'Concurrent connections',
});

export const OrderItem = Type.Union([
  Type.Object(
    { type: Type.Literal('key'), sku: Sku, connections: Connections },
    {
      additionalProperties: false,
      description: 'A new fixed license key; its term starts on the day it is paid',
    },
  ),
  Type.Object(
    {
      type: Type.Literal('renewal'),
      licenseId: Id('lic', 'A key of the account'),
      years: Type.Integer({ minimum: 1, maximum: 10 }),
    },
    {
      additionalProperties: false,
      description:
        'Renews a key at today’s price × its connections; ahead of its expiration the new term starts the day after it',
    },
  ),
  Type.Object(
    { type: Type.Literal('subscription'), sku: Sku, connections: Connections },
    { additionalProperties: false, description: 'A new subscription, billed every period' },
  ),
  Type.Object(
    {
      type: Type.Literal('subscription_change'),
      subscriptionId: SubscriptionId,
      connections: Connections,
      force: Type.Optional(
        Type.Boolean({
          description: 'Scale down below the connections in use now: the pool then disconnects the excess',
        }),
      ),
    },
    {
      additionalProperties: false,
      description:
        'Scales a subscription up or down now: the rest of its period is credited at its price and charged at today’s, by day',
    },
  ),
  Type.Object(
    { type: Type.Literal('subscription_renewal'), subscriptionId: SubscriptionId },
    {
      additionalProperties: false,
      description:
        'A subscription’s next period at today’s price × its connections, less credit left by earlier changes',
    },
  ),
  Type.Object(
    {
      type: Type.Literal('gateway_license'),
      sku: Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'A gateway license model, such as SPC-1YR-LIC',
        examples: ['SPC-1YR-LIC'],
      }),
      quantity: Type.Integer({
        minimum: 1,
        maximum: MAX_LICENSES_PER_KEY,
        description: 'Licenses in the key',
      }),
    },
    {
      additionalProperties: false,
      description: `A gateway license key of one model × quantity, issued when paid: a SecuPoint model is priced per VPN user of all its licenses, a Pro model per license; the purchase rules count the users (a Pro license as ${PRO_LICENSE_CONNECTIONS})`,
    },
  ),
]);

export const PAYMENT_METHODS = ['card', 'paypal', 'bank_wire', 'ach', 'purchase_order'] as const;
export const PaymentMethod = Type.Union(PAYMENT_METHODS.map((method) => Type.Literal(method)));

export const PurchaseOrder = Type.Object(
  {
    accountsPayableEmail: Email,
    endUserAccount: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'The end user’s registered account, that the keys are uploaded to',
    }),
    reference: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The PO number' })),
  },
  { additionalProperties: false },
);

const Items = Type.Array(OrderItem, { minItems: 1, maxItems: 100 });

export const CreateQuote = Type.Object(
  { accountId: Id('acc', 'The buying account'), items: Items },
  { additionalProperties: false },
);
export type CreateQuote = Static<typeof CreateQuote>;

const Placement = {
  paymentMethod: PaymentMethod,
  purchaseOrder: Type.Optional(PurchaseOrder),
};

/** An order made from items at today's prices, or from a quote at the quote's. */
export const CreateOrder = Type.Union([
  Type.Object(
    { accountId: Id('acc', 'The buying account'), items: Items, ...Placement },
    { additionalProperties: false },
  ),
  Type.Object(
    { quoteId: Id('ord', 'A quote to place, at its prices'), ...Placement },
    { additionalProperties: false },
  ),
]);
export type CreateOrder = Static<typeof CreateOrder>;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 8,
    maxLength: 200,
    pattern: '^[\\x21-\\x7e]+$',
    description:
      'A unique key per operation, chosen by the client: a retry with the same key answers as the first call did',
  }),
});

/** A gateway key an order issued, as the order lists it; its owner reads the key itself by its id. */
const IssuedGatewayKeyRef = Type.Object({
  id: Type.String(),
  item: Type.Integer({ description: 'The gateway_license item it fulfils' }),
  keyHint: Type.String({ description: 'The last group of the key' }),
  sku: Type.String(),
  quantity: Type.Integer(),
});

const Amount = (description: string) => Type.Integer({ description: `${description}, in minor units` });
const MaybeInstant = Type.Union([Instant, Type.Null()]);

export const Order = Type.Object(
  {
    id: Type.String(),
    number: Type.String({ description: 'The order number, carried by every key it issues' }),
    accountId: Type.String(),
    status: Type.Union([
      Type.Literal('quote'),
      Type.Literal('open'),
      Type.Literal('paid'),
      Type.Literal('canceled'),
    ]),
    paymentMethod: Type.Union([PaymentMethod, Type.Null()]),
    paymentMethods: Type.Array(PaymentMethod, { description: 'How an order of this size may be paid' }),
    priceBookVersion: Type.String(),
    currency: Type.String(),
    items: Type.Array(OrderItem),
    lines: Type.Array(
      Type.Object({
        item: Type.Integer({ description: 'The item it prices' }),
        description: Type.String(),
        quantity: Type.Integer(),
        unitAmount: Amount('Price of one'),
        amount: Amount('quantity × unitAmount'),
      }),
    ),
    connections: Type.Integer({
      description: `The connections of all its items, as the purchase rules count them: a gateway license’s VPN users, ${PRO_LICENSE_CONNECTIONS} for a Pro license`,
    }),
    subtotal: Amount('Sum of the lines'),
    taxRate: Type.Integer({ description: 'Parts per million of the subtotal' }),
    tax: Amount('Tax on the subtotal, rounded once'),
    total: Amount('subtotal + tax'),
    purchaseOrder: Type.Union([PurchaseOrder, Type.Null()]),
    invoiceId: Type.Union([Type.String(), Type.Null()]),
    fulfilment: Type.Union([
      Type.Object({
        issuedLicenseIds: Type.Array(Type.String()),
        renewedLicenseIds: Type.Array(Type.String()),
        subscriptionIds: Type.Array(Type.String(), {
          description: 'The subscriptions it created, changed or renewed',
        }),
        gatewayKeys: Type.Array(IssuedGatewayKeyRef, {
          description: 'The gateway license keys it issued, one per gateway_license item',
        }),
      }),
      Type.Null(),
    ]),
    createdAt: Instant,
    expiresAt: Type.String({
      format: 'date-time',
      description: 'A quote can be placed at its prices until then',
    }),
    placedAt: MaybeInstant,
    paidAt: MaybeInstant,
    canceledAt: MaybeInstant,
  },
  { $id: 'Order' },
);
export type Order = Static<typeof Order>;

export const OrderQuery = Type.Object(
  {
    accountId: Type.Optional(Id('acc', 'One account’s orders (staff: any account)')),
    ...PageQuery('ord'),
  },
  { additionalProperties: false },
);

export const OrderPage = Type.Object({ orders: Type.Array(Shared(Order)), next: NextPage });
export type OrderPage = Static<typeof OrderPage>;

export const PayOrder = Type.Object(
  {
    method: Type.Optional(
      Type.Union([Type.Literal('card'), Type.Literal('paypal')], {
        description: 'card or paypal; the order’s own method by default',
      }),
    ),
    paymentToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'What the payment provider’s form produced (the test provider: a test card number)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PayOrder = Static<typeof PayOrder>;

export const Payment = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  status: Type.Union([
    Type.Literal('started'),
    Type.Literal('pending'),
    Type.Literal('succeeded'),
    Type.Literal('declined'),
  ]),
  method: PaymentMethod,
  amount: Amount('What is charged'),
  currency: Type.String(),
  actionUrl: Type.Union([Type.String(), Type.Null()], {
    description: 'pending: where the customer completes the payment (3-D Secure, a checkout page)',
  }),
  declineReason: Type.Union([Type.String(), Type.Null()]),
  nextStep: Type.Union([Type.String(), Type.Null()], { description: 'declined: what to try next' }),
  order: Shared(Order),
});
export type Payment = Static<typeof Payment>;

export const TestCompletion = Type.Object(
  { outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('declined')]) },
  { additionalProperties: false },
);
