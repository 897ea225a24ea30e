import { type Static, Type } from '@sinclair/typebox';
import { Email, Instant, Shared } from './common.js';
import { Id } from './ids.js';

export const LicenseStatus = Type.Union([
  Type.Literal('not_activated'),
  Type.Literal('active'),
  Type.Literal('expired'),
  Type.Literal('revoked'),
]);
export type LicenseStatus = Static<typeof LicenseStatus>;

export const License = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    kind: Type.Union([Type.Literal('fixed'), Type.Literal('failover')], {
      description: 'A failover key carries its original’s connections and term, for a standby server',
    }),
    key: Type.String({
      description: 'The license key, shown to its owner',
      examples: ['7K2M-QX9D-4TRB-WN3H-8CPA'],
    }),
    connections: Type.Integer({ description: 'Concurrent connections (tunnels)' }),
    termYears: Type.Integer(),
    purchasedAt: Instant,
    starts: Instant,
    ends: Type.String({ format: 'date-time', description: 'End of the support/upgrade term' }),
    status: LicenseStatus,
    statusReason: Type.Union([Type.String(), Type.Null()], {
      description:
        'Why the key has its status, in words: refunded, split into which keys, replaced by which key and when it stops, failover for which key',
      examples: ['replaced by …WN3H, stops at 2026-12-07 12:00 UTC'],
    }),
    successors: Type.Array(Type.Object({ id: Type.String(), keyHint: Type.String() }), {
      description:
        'The keys that carry this one on: its replacement (the key to activate instead), or the keys it was split into',
    }),
    server: Type.Union([
      Type.Object({ serverId: Type.String(), hostname: Type.String(), activatedAt: Instant }),
      Type.Null(),
    ]),
    endedReason: Type.Union(
      [Type.Literal('refunded'), Type.Literal('split'), Type.Literal('replaced'), Type.Null()],
      {
        description: 'Why a revoked key is done with',
      },
    ),
    parentId: Type.Union([Type.String(), Type.Null()], {
      description: 'The key this one was split from or replaces',
    }),
    orderNumber: Type.Union([Type.String(), Type.Null()], {
      description: 'The order on the key’s invoice; null for the account’s members, who do not see invoices',
    }),
    legacy: Type.Boolean({ description: 'Old terms: never expires on the machine it was activated on' }),
    failoverOf: Type.Union([Type.String(), Type.Null()], {
      description: 'The key a failover key stands in for',
    }),
    revokedAt: Type.Union([Instant, Type.Null()], {
      description: 'When the key stopped, or stops (a replaced key works on for a week)',
    }),
  },
  { $id: 'License' },
);
export type License = Static<typeof License>;

const LicenseId = Id('lic');

export const IssueLicense = Type.Object(
  {
    accountId: Id('acc'),
    connections: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Concurrent connections',
    }),
    years: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10, description: 'Support/upgrade term; 1 by default' }),
    ),
    purchasedAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'The term starts here; now by default' }),
    ),
    legacy: Type.Optional(
      Type.Boolean({
        description: 'Old terms (Access Server 1.8.4 and before): never expires on its machine',
      }),
    ),
  },
  { additionalProperties: false },
);
export type IssueLicense = Static<typeof IssueLicense>;

export const LicenseQuery = Type.Object(
  { accountId: Type.Optional(Id('acc', 'Staff only: one account')) },
  { additionalProperties: false },
);

export const LicenseList = Type.Object({ licenses: Type.Array(Shared(License)) });
export type LicenseList = Static<typeof LicenseList>;

export const RenewLicenses = Type.Object(
  {
    licenseIds: Type.Array(LicenseId, { minItems: 1, maxItems: 1000 }),
    years: Type.Integer({ minimum: 1, maximum: 10 }),
  },
  { additionalProperties: false },
);
export type RenewLicenses = Static<typeof RenewLicenses>;

export const SplitLicense = Type.Object(
  { parts: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 2, maxItems: 100 }) },
  { additionalProperties: false },
);

export const SplitAnswer = Type.Object({ original: Shared(License), keys: Type.Array(Shared(License)) });
export type SplitAnswer = Static<typeof SplitAnswer>;

export const ReplacementAnswer = Type.Object({ original: Shared(License), replacement: Shared(License) });
export type ReplacementAnswer = Static<typeof ReplacementAnswer>;

export const TransferLicenses = Type.Object(
  {
    licenseIds: Type.Array(LicenseId, { minItems: 1, maxItems: 1000 }),
    toAccountId: Id('acc'),
    requesterEmail: Email,
    orderNumber: Type.Optional(Type.String({ maxLength: 32, description: 'The order on an older invoice' })),
  },
  { additionalProperties: false },
);
export type TransferLicenses = Static<typeof TransferLicenses>;

/** A key looked up by its owner: in the body, since a key in a URL would end up in logs. */
export const LicenseLookup = Type.Object(
  {
    key: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The license key as typed: any case, dashes or spaces optional',
    }),
  },
  { additionalProperties: false },
);
export type LicenseLookup = Static<typeof LicenseLookup>;
