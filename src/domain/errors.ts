/**
 * The error catalog. Codes are public API: clients and scripts match on them, so they are never
 * renamed. Each code has the HTTP status it maps to and a title a customer understands.
 */
export const ERRORS = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  invalid_json: { status: 400, title: 'The request body is not valid JSON' },
  unsupported_media_type: { status: 415, title: 'Send the request body as application/json' },
  body_too_large: { status: 413, title: 'The request body is too large' },
  body_too_deep: { status: 400, title: 'The request body is nested deeper than the request allows' },
  malformed_request: { status: 400, title: 'The HTTP request could not be read' },
  malformed_url: { status: 400, title: 'The URL is not validly encoded' },
  url_too_long: { status: 414, title: 'A part of the URL is too long' },
  headers_too_large: { status: 431, title: 'The request headers are too large' },
  request_timeout: { status: 408, title: 'The request was not received in time' },
  unauthenticated: { status: 401, title: 'A valid API token is required' },
  forbidden: { status: 403, title: 'This token may not do that' },
  route_not_found: { status: 404, title: 'There is no such endpoint' },
  account_not_found: { status: 404, title: 'There is no such account' },
  email_taken: { status: 409, title: 'An account or user with this email already exists' },
  user_not_found: { status: 404, title: 'There is no such user' },
  owner_not_removable: { status: 409, title: 'The account’s owner cannot be removed' },
  bootstrap_token_invalid: { status: 401, title: 'The bootstrap token is unknown or was already used' },
  sign_in_failed: { status: 401, title: 'The email or the password is not right' },
  password_link_invalid: { status: 400, title: 'The link is unknown, was used already or has expired' },
  form_expired: { status: 403, title: 'The form has expired or did not come from this site' },
  license_not_found: { status: 404, title: 'There is no such license' },
  license_key_malformed: { status: 400, title: 'The license key is mistyped' },
  license_key_not_found: { status: 404, title: 'The license key is not known' },
  license_expired: { status: 409, title: 'The license key has expired' },
  license_revoked: { status: 409, title: 'The license key has been revoked' },
  key_already_activated: {
    status: 409,
    title: 'License error: machine properties validation failed: verify fail: key already activated',
  },
  fingerprint_mismatch: {
    status: 409,
    title: 'License error: machine properties validation failed: verify fail: machine properties differ',
  },
  not_activated: { status: 404, title: 'The license key is not activated on this server' },
  not_pool_member: { status: 404, title: 'The server has not joined this subscription' },
  license_activated: { status: 409, title: 'The license key is already activated on a server' },
  refund_period_over: { status: 409, title: 'The refund period for this key is over' },
  support_term_over: { status: 409, title: 'The key’s support/upgrade term is over' },
  failover_key_exists: { status: 409, title: 'This key already has its failover key' },
  failover_key_mismatch: { status: 409, title: 'Failover keys and ordinary keys are not interchangeable' },
  transfer_not_authorized: { status: 403, title: 'This request may not move these keys' },
  support_not_available: { status: 403, title: 'Support requests need a license in an active support term' },
  staff_not_found: { status: 404, title: 'There is no vendor-staff user with this email' },
  request_incomplete: { status: 400, title: 'The support request lacks what it needs' },
  request_not_found: { status: 404, title: 'There is no such support request' },
  request_already_decided: { status: 409, title: 'The support request was already decided' },
  invoice_not_found: { status: 404, title: 'There is no such invoice' },
  invoice_not_draft: { status: 409, title: 'Only a draft invoice can be finalized' },
  invoice_not_open: { status: 409, title: 'Only an open invoice can be paid or voided' },
  invoice_is_draft: { status: 409, title: 'A draft invoice has no document yet: finalize it first' },
  invoice_number_taken: {
    status: 409,
    title: 'The next invoice number is taken already: the series’ counter is behind its invoices',
  },
  subscription_not_found: { status: 404, title: 'There is no such subscription' },
  subscription_expired: { status: 409, title: 'The subscription has ended' },
  subscription_key_not_found: { status: 404, title: 'The subscription key is not known' },
  server_has_subscription: { status: 409, title: 'This server already uses another subscription' },
  subscription_in_use: {
    status: 409,
    title: 'More connections are in use than the subscription would keep',
  },
  subscription_not_billed: {
    status: 409,
    title: 'This subscription was not bought through an order: vendor staff change it',
  },
  subscription_renewal_due: {
    status: 409,
    title: 'The subscription’s period has ended unpaid: pay its renewal first',
  },
  subscription_order_open: { status: 409, title: 'An order for this subscription is waiting for payment' },
  subscription_period_paid: {
    status: 409,
    title: 'The subscription’s next period is paid already: change it once that period starts',
  },
  clock_skew: { status: 400, title: 'The server’s clock is too far off' },
  heartbeat_out_of_order: {
    status: 409,
    title: 'The heartbeat’s sequence does not follow the stored one: continue above storedSequence',
  },
  license_limit_exceeded: { status: 409, title: 'Licensed amount of concurrent connections exceeded' },
  certificate_invalid: { status: 400, title: 'The license certificate is not valid' },
  certificate_already_imported: {
    status: 409,
    title: 'This certificate is already installed on this server',
  },
  grant_invalid: { status: 400, title: 'The pool grant is not valid' },
  price_book_invalid: { status: 400, title: 'The price book is not valid' },
  price_book_exists: {
    status: 409,
    title: 'A price book with this version or effective date is already published',
  },
  product_not_found: { status: 404, title: 'There is no product with this SKU in the price book' },
  term_not_offered: { status: 400, title: 'The price book offers no term of this length' },
  order_below_online_minimum: {
    status: 400,
    title: 'We are unable to process any orders with less than 10 concurrent connections at this time',
  },
  wire_below_minimum: {
    status: 400,
    title: 'Bank transfers, ACH and purchase orders are accepted for orders of 100+ concurrent connections',
  },
  purchase_order_incomplete: {
    status: 400,
    title: 'A purchase order needs the accounts payable email and the end user’s registered account',
  },
  order_not_found: { status: 404, title: 'There is no such order' },
  quote_expired: { status: 409, title: 'The quote has expired: ask for a new one' },
  order_not_open: { status: 409, title: 'The order is not open for payment' },
  idempotency_key_reused: {
    status: 422,
    title: 'This Idempotency-Key was used for a different request',
  },
  subscription_changed: {
    status: 409,
    title: 'The subscription changed while the order was priced: order again',
  },
  payment_declined: { status: 402, title: 'The payment was declined' },
  payment_pending: { status: 409, title: 'A payment of this order is waiting to be completed' },
  payment_not_found: { status: 404, title: 'There is no such payment' },
  payment_provider_unavailable: { status: 502, title: 'The payment provider cannot be reached' },
  webhook_signature_invalid: { status: 400, title: 'The webhook’s signature does not verify' },
  license_model_unknown: { status: 404, title: 'There is no gateway license model with this SKU' },
  license_key_claimed: {
    status: 409,
    title: 'This license key was already added to an organization: move its licenses instead',
  },
  license_associated: {
    status: 409,
    title: 'The license is associated with a device: it moves only with its device',
  },
  license_not_associated: { status: 409, title: 'The license is not associated with a device' },
  license_merged: {
    status: 409,
    title: 'The license is merged with its device: its association can no longer be undone',
  },
  undo_limit_reached: {
    status: 409,
    title:
      'More than two licenses were associated with this device within 7 days: only one of them can be disassociated',
  },
  license_not_shareable: { status: 409, title: 'Only a license of more than 100 VPN users can be shared' },
  share_limit_reached: {
    status: 409,
    title: 'The license is already shared by 3 gateways, the most it can be',
  },
  already_bound_to_device: { status: 409, title: 'The license is already bound to this gateway' },
  device_not_in_organization: { status: 409, title: 'The gateway is not in the license’s organization' },
  replica_not_found: { status: 404, title: 'The license has no replica on this gateway' },
  license_shared: {
    status: 409,
    title: 'The license is shared with other gateways: undo its replicas first',
  },
  organization_not_administered: { status: 403, title: 'You are not an administrator of that organization' },
  device_replaced: { status: 409, title: 'This device was replaced: its licenses are on its replacement' },
  replacement_same_device: { status: 400, title: 'A device cannot replace itself' },
  organization_not_found: { status: 404, title: 'There is no such organization' },
  device_not_found: { status: 404, title: 'There is no such gateway device' },
  device_taken: { status: 409, title: 'A device with this serial number or MAC is registered already' },
  gateway_license_not_found: { status: 404, title: 'There is no such gateway license' },
  enrollment_invalid: { status: 401, title: 'The enrollment code is unknown, used or expired' },
  gateway_changed: {
    status: 409,
    title: 'The license or device moved to another organization meanwhile: try again',
  },
  device_credential_invalid: { status: 401, title: 'The device credential is not valid' },
  vendor_key_missing: { status: 500, title: 'No vendor public key is installed on this server' },
  rate_limited: { status: 429, title: 'Too many failed attempts: wait before trying again' },
  service_unavailable: { status: 503, title: 'The service cannot reach its store' },
  service_unreachable: { status: 502, title: 'The license service cannot be reached' },
  service_answer_invalid: { status: 502, title: 'The license service answered outside its contract' },
  internal_error: { status: 500, title: 'Something went wrong on our side' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A code of this catalog: what another process names (a service's answer) is checked here. */
export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERRORS, code);

/** An expected failure: returned as data, mapped to HTTP or exit codes at the edges. */
export interface Failure {
  code: ErrorCode;
  detail: string;
  field?: string;
  /** heartbeat_out_of_order: the sequence the service holds for the server, to continue above. */
  storedSequence?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = (code: ErrorCode, detail: string, field?: string): { ok: false; error: Failure } => ({
  ok: false,
  error: field === undefined ? { code, detail } : { code, detail, field },
});

/** The seeds' wording for every machine-binding refusal, followed by what differed. */
export const verifyFailMessage = (what: string): string =>
  `License error: machine properties validation failed: verify fail: ${what}`;

export const LIMIT_EXCEEDED_MESSAGE = ERRORS.license_limit_exceeded.title;
