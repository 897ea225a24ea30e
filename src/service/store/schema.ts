import type { Generated, Insertable, Selectable } from 'kysely';
import type { GatewayTables } from './gateway-schema.js';
import type { WebTables } from './web-schema.js';

/** Instants are integer milliseconds since the epoch in both engines. */
type Millis = number;

export interface AccountsTable {
  id: string;
  /** The registered admin email, lower case; it cannot be edited. */
  email: string;
  name: string;
  created_at: Millis;
}

export interface UsersTable {
  id: string;
  account_id: string | null;
  email: string;
  role: 'staff' | 'owner' | 'member';
  created_at: Millis;
  /** A salted scrypt hash (see domain/password.ts); null until the user sets a password. */
  password_hash: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  token_digest: string;
  created_at: Millis;
}

export interface BootstrapTokensTable {
  id: 'first-staff';
  token_digest: string;
  created_at: Millis;
  used_at: Millis | null;
}

export interface VendorKeysTable {
  id: 'vendor';
  kid: string;
  public_key_pem: string;
  /** An HMAC made with the data key: tells whether an instance has the same data key. */
  data_key_check: string;
  created_at: Millis;
}

export interface LicensesTable {
  id: string;
  account_id: string;
  kind: 'fixed';
  key_digest: string;
  /** The key encrypted with the data key, so its owner can read it again. */
  key_sealed: string;
  key_hint: string;
  seats: number;
  term_years: number;
  purchased_at: Millis;
  starts_at: Millis;
  ends_at: Millis;
  revoked_at: Millis | null;
  created_at: Millis;
  version: Generated<number>;
  /** Why the key is done with: refunded, split into others, or replaced by another. */
  ended_reason: 'refunded' | 'split' | 'replaced' | null;
  /** The key this one was split from or replaces. */
  parent_id: string | null;
  /** Set on a failover key: the key whose connections and term it carries, for a standby server. */
  failover_of: string | null;
  /** The order the key was bought in (`SO-...`), as its invoice shows it. */
  order_number: string | null;
  /** 1 for a key on the old terms: it never expires on the machine it was activated on. */
  legacy: Generated<0 | 1>;
}

export interface AuditLogTable {
  seq: Generated<number>;
  id: string;
  at: Millis;
  /** A user id, or `system` for the service's own jobs. */
  actor: string;
  /** The account whose thing changed, so an account reads its own entries. */
  account_id: string | null;
  entity:
    | 'account'
    | 'license'
    | 'activation'
    | 'subscription'
    | 'request'
    | 'user'
    | 'invoice'
    | 'billing_address'
    | 'price_book'
    | 'order'
    | 'payment'
    | 'organization'
    | 'device'
    | 'gateway_key'
    | 'gateway_license';
  entity_id: string;
  action: string;
  /** JSON of the row before and after the change (null when there is none). */
  before: string | null;
  after: string | null;
}

export interface SupportRequestsTable {
  id: string;
  account_id: string;
  requester_id: string;
  requester_email: string;
  type: 'refund' | 'split' | 'transfer' | 'replacement' | 'failover';
  license_id: string;
  /** JSON: what the operation needs besides the key (the parts of a split, a transfer's target). */
  details: string;
  message: string;
  status: 'open' | 'approved' | 'declined';
  decided_by: string | null;
  decided_at: Millis | null;
  /** Staff's words to the requester: why it was declined, or a note with the approval. */
  decision: string | null;
  /** JSON: what the approved operation made (the new keys). */
  outcome: string | null;
  created_at: Millis;
}

export interface ActivationsTable {
  id: string;
  license_id: string;
  server_id: string;
  fingerprint_digest: string;
  /** JSON of the per-property digests, to name what differs on a mismatch. */
  fingerprint: string;
  hostname: string;
  activated_at: Millis;
  refreshed_at: Millis;
  certificates_issued: Generated<number>;
  /** How many times the binding followed a changed machine (at most 3). */
  renegotiations: Generated<number>;
}

export interface SubscriptionsTable {
  id: string;
  account_id: string;
  key_digest: string;
  key_sealed: string;
  key_hint: string;
  seats: number;
  period: 'monthly' | 'yearly';
  auto_renew: 0 | 1;
  mode: 'reconcile' | 'lease';
  enforcement_order: 'newest' | 'oldest';
  heartbeat_interval_ms: number;
  grace_ms: number;
  /** Periods are counted from here, so month ends do not drift; the end is stored for queries. */
  period_anchor: Millis;
  period_count: number;
  period_ends_at: Millis;
  /** Bumped by every pool operation: the write that serializes them on the pool's row. */
  version: Generated<number>;
  created_at: Millis;
  /** 1: bought through an order, every period invoiced and paid; 0: created by staff, renews for free. */
  billed: 0 | 1;
  /** Minor units per connection of the current period, for prorating a change; null when not billed. */
  unit_price: number | null;
  /** The current period's charges (its invoice and every change's) and the credits given against them. */
  period_charged: number;
  period_credited: number;
  /** Credit a scale-down left beyond its charge, taken off the next invoices. */
  credit_balance: number;
}

export interface PoolMembersTable {
  subscription_id: string;
  server_id: string;
  fingerprint_digest: string;
  fingerprint: string;
  hostname: string;
  joined_at: Millis;
  last_heartbeat_at: Millis;
  /** The highest heartbeat sequence applied: an older or repeated one changes nothing. */
  last_sequence: Generated<number>;
  tunnel_count: Generated<number>;
  /** JSON of the tunnels last reported: [{ id, connectedAt }]. */
  tunnels: Generated<string>;
  lease: Generated<number>;
  lease_expires_at: Generated<Millis>;
}

export interface RemindersTable {
  id: string;
  subject: 'license' | 'subscription';
  subject_id: string;
  account_id: string;
  /** The end it reminds of: a renewal moves the end, and the new end gets reminders of its own. */
  ends_at: Millis;
  days_before: 60 | 30 | 3;
  status: 'pending' | 'sent' | 'cancelled';
  attempts: Generated<number>;
  /** When it may next be claimed: once due, after a claim's lease, or after a failed send's backoff. */
  not_before: Millis;
  /** The process sending it now. */
  claimed_by: string | null;
  last_error: string | null;
  message_id: string | null;
  sent_at: Millis | null;
  created_at: Millis;
}

/** Failed credential attempts of one client address or credential prefix in its current window. */
export interface FailedAttemptsTable {
  key_digest: string;
  failures: number;
  window_ends_at: Millis;
}

/** The last number each invoice series gave out: the one row a finalization updates. */
export interface InvoiceSeriesTable {
  series: string;
  last_number: number;
}

export interface InvoicesTable {
  id: string;
  account_id: string;
  status: 'draft' | 'open' | 'paid' | 'void';
  /** The prefix the number was given under; null on a draft. */
  series: string | null;
  number: number | null;
  currency: string;
  /** JSON of the lines as the invoice shows them. */
  lines: string;
  subtotal: number;
  tax: number;
  total: number;
  /** Days from finalization to the due date. */
  net_days: number;
  /** JSON of what "Billed To" showed when the invoice was finalized; it never changes after. */
  billed_to: string | null;
  created_at: Millis;
  finalized_at: Millis | null;
  due_at: Millis | null;
  paid_at: Millis | null;
  voided_at: Millis | null;
  /** The rate `tax` was computed at, in parts per million (19% = 190000). */
  tax_rate: Generated<number>;
  kind: Generated<'invoice' | 'credit_note'>;
  /** The invoice a credit note credits; null on an invoice. */
  credits_invoice_id: string | null;
  /** JSON: the Seller it was issued by (name, bank details), as it was when it was finalized. */
  issuer: string | null;
  /** JSON: InvoiceOrder, the order it bills; null for an invoice made by hand. */
  order_ref: string | null;
}

export interface BillingAddressesTable {
  account_id: string;
  company_name: string;
  address: string;
  city: string;
  state: string | null;
  tax_info: string | null;
  phone: string | null;
  website: string | null;
  /** ISO 3166 alpha-2 (DE): picks the tax rate of the invoices finalized after it was saved. */
  country: string | null;
  updated_at: Millis;
}

export interface PriceBooksTable {
  version: string;
  effective_from: Millis;
  currency: 'USD' | 'EUR' | 'GBP';
  /** JSON: the book's products and their tiers, as `checkPriceBook` accepted them. */
  products: string;
  created_at: Millis;
  /** A staff user id, or `system` for the book seeded on first start. */
  created_by: string;
}

export type OrderStatus = 'quote' | 'open' | 'paid' | 'canceled';
export type OrderPaymentMethod = 'card' | 'paypal' | 'bank_wire' | 'ach' | 'purchase_order';

export interface OrdersTable {
  id: string;
  /** The order number customers quote (`SO-7K2MQX9D`), carried by every key the order issues. */
  number: string;
  account_id: string;
  status: OrderStatus;
  payment_method: OrderPaymentMethod | null;
  price_book_version: string;
  currency: 'USD' | 'EUR' | 'GBP';
  /** JSON: OrderItem[], what was asked. */
  items: string;
  /** JSON: OrderLine[], the prices it was made with. */
  lines: string;
  connections: number;
  subtotal: number;
  tax_rate: number;
  tax: number;
  total: number;
  /** JSON: PurchaseOrderDetails of an order paid on net terms by purchase order. */
  purchase_order: string | null;
  invoice_id: string | null;
  idempotency_key: string | null;
  /** A digest of the request that made it: the same idempotency key with another request is refused. */
  request_digest: string;
  /** JSON: Fulfilment, what paying for it made. */
  fulfilment: string | null;
  created_by: string;
  created_at: Millis;
  /** A quote can be placed until then, at its prices. */
  expires_at: Millis;
  placed_at: Millis | null;
  paid_at: Millis | null;
  canceled_at: Millis | null;
}

export type PaymentStatus = 'started' | 'pending' | 'succeeded' | 'declined';

export interface PaymentsTable {
  id: string;
  order_id: string;
  provider: 'test' | 'stripe' | 'manual';
  method: OrderPaymentMethod;
  amount: number;
  currency: 'USD' | 'EUR' | 'GBP';
  status: PaymentStatus;
  provider_ref: string | null;
  /** Where the customer completes a pending payment (3-D Secure, a hosted checkout page). */
  action_url: string | null;
  decline_reason: string | null;
  idempotency_key: string;
  request_digest: string;
  created_by: string;
  created_at: Millis;
  settled_at: Millis | null;
}

export interface RefundsTable {
  id: string;
  payment_id: string;
  license_id: string;
  amount: number;
  credit_note_id: string;
  /** The provider's refund, once it has accepted it. */
  provider_ref: string | null;
  created_at: Millis;
  refunded_at: Millis | null;
}

export interface Tables extends GatewayTables, WebTables {
  accounts: AccountsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  bootstrap_tokens: BootstrapTokensTable;
  vendor_keys: VendorKeysTable;
  licenses: LicensesTable;
  activations: ActivationsTable;
  subscriptions: SubscriptionsTable;
  pool_members: PoolMembersTable;
  audit_log: AuditLogTable;
  support_requests: SupportRequestsTable;
  reminders: RemindersTable;
  failed_attempts: FailedAttemptsTable;
  invoice_series: InvoiceSeriesTable;
  invoices: InvoicesTable;
  billing_addresses: BillingAddressesTable;
  price_books: PriceBooksTable;
  orders: OrdersTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
}

export type LicenseRow = Selectable<LicensesTable>;
export type ActivationRow = Selectable<ActivationsTable>;
export type AccountRow = Selectable<AccountsTable>;
export type NewLicense = Insertable<LicensesTable>;
export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type PoolMemberRow = Selectable<PoolMembersTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type SupportRequestRow = Selectable<SupportRequestsTable>;
export type ReminderRow = Selectable<RemindersTable>;
export type InvoiceRow = Selectable<InvoicesTable>;
export type BillingAddressRow = Selectable<BillingAddressesTable>;
export type PriceBookRow = Selectable<PriceBooksTable>;
export type OrderRow = Selectable<OrdersTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type RefundRow = Selectable<RefundsTable>;
