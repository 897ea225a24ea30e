import { type Static, Type } from '@sinclair/typebox';
import { GatewayStatementSchema } from '../domain/gateway-statement.js';
import { Instant, Shared } from './common.js';
import { Id } from './ids.js';

/** Organizations, their gateway inventory and licenses (EnGenius/SecuPoint), and the gateway's side. */
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const Organization = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    name: Type.String(),
    admins: Type.Array(Type.String(), { description: 'User ids made administrators by the owner' }),
    devices: Type.Integer(),
    licenses: Type.Integer(),
    createdAt: Instant,
  },
  { $id: 'Organization' },
);
export type Organization = Static<typeof Organization>;

export const CreateOrganization = Type.Object(
  { accountId: Type.Optional(Id('acc', 'Staff name the account; its owner need not')), name: Name },
  { additionalProperties: false },
);
export type CreateOrganization = Static<typeof CreateOrganization>;

export const AddOrganizationAdmin = Type.Object(
  { userId: Id('usr', 'A user of the organization’s account') },
  { additionalProperties: false },
);

const LicenseStatus = Type.Union(
  [Type.Literal('active'), Type.Literal('expiring'), Type.Literal('expired'), Type.Literal('inactive')],
  { description: 'Inactive: no license of the kind; Expiring: the last one ends within 30 days' },
);

export const Device = Type.Object(
  {
    id: Type.String(),
    organizationId: Type.String(),
    name: Type.String(),
    model: Type.String(),
    serialNumber: Type.String(),
    mac: Type.String(),
    licenseStatus: LicenseStatus,
    merging: Type.Boolean({ description: 'A license of the device is still in its 7-day undo week' }),
    expiresAt: Nullable(Instant),
    vpnSeats: Type.Integer({
      description: 'The "SecuPoint VPN Client" maximum: 2 built-in + its licenses now',
    }),
    registeredAt: Instant,
    registeredBy: Type.String(),
    replacedBy: Nullable(Type.String()),
    enrolled: Type.Boolean({ description: 'The gateway has exchanged its enrollment code for a credential' }),
  },
  { $id: 'GatewayDevice' },
);
export type Device = Static<typeof Device>;

export const RegisterDevice = Type.Object(
  {
    name: Name,
    model: Type.String({ minLength: 1, maxLength: 64, examples: ['ESG510'] }),
    serialNumber: Type.String({ pattern: '^[A-Za-z0-9-]{4,64}$' }),
    mac: Type.String({
      pattern: '^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}$',
      examples: ['88:DC:96:12:34:56'],
    }),
  },
  { additionalProperties: false },
);
export type RegisterDevice = Static<typeof RegisterDevice>;

export const FleetSummary = Type.Object({
  earliestExpiry: Nullable(Instant),
  expired: Type.Integer(),
  expiringWithin30Days: Type.Integer(),
});

export const Inventory = Type.Object({
  summary: FleetSummary,
  devices: Type.Array(Shared(Device)),
});

export const GatewayLicense = Type.Object(
  {
    id: Type.String(),
    organizationId: Type.String(),
    keyHint: Type.String({ description: 'The last group of the key it came from' }),
    sku: Type.String(),
    kind: Type.Union([Type.Literal('secupoint'), Type.Literal('pro')]),
    users: Type.Integer(),
    termYears: Type.Integer(),
    deviceId: Nullable(Type.String()),
    association: Type.Union([Type.Literal('merging'), Type.Literal('merged'), Type.Null()]),
    associatedAt: Nullable(Instant),
    mergesAt: Nullable(Instant),
    starts: Nullable(Instant),
    ends: Nullable(Instant),
    status: Type.Union(
      [
        Type.Literal('unassociated'),
        Type.Literal('active'),
        Type.Literal('expiring'),
        Type.Literal('expired'),
      ],
      { description: 'Unassociated: in the inventory, its term not started' },
    ),
    replicas: Type.Array(Type.String(), { description: 'The gateways it is shared with, beside its own' }),
  },
  { $id: 'GatewayLicense' },
);
export type GatewayLicense = Static<typeof GatewayLicense>;

export const LicenseList = Type.Object({ licenses: Type.Array(Shared(GatewayLicense)) });

export const KeyRequest = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 64, description: 'The gateway license key as delivered' }) },
  { additionalProperties: false },
);

export const KeyPreview = Type.Object({
  keyHint: Type.String(),
  sku: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('secupoint'), Type.Literal('pro')]),
  users: Type.Integer({ description: 'VPN users of each license' }),
  quantity: Type.Integer(),
  termYears: Type.Integer(),
  totalUsers: Type.Integer(),
  summary: Type.String(),
  added: Type.Boolean({ description: 'Added to an organization already (a key is added once)' }),
  addedTo: Nullable(Type.String({ description: 'That organization, told to its administrators only' })),
});

export const IssueGatewayKey = Type.Object(
  {
    accountId: Id('acc'),
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
  },
  { additionalProperties: false },
);

export const IssuedGatewayKey = Type.Object({
  id: Type.String(),
  key: Type.String({ description: 'Shown once to whoever issued it, and to its account' }),
  preview: KeyPreview,
});

export const AssociateLicense = Type.Object({ deviceId: Id('dev') }, { additionalProperties: false });
export const MoveToOrganization = Type.Object({ organizationId: Id('org') }, { additionalProperties: false });
export const ReplaceDevice = Type.Object({ replacementId: Id('dev') }, { additionalProperties: false });
export const ShareLicense = Type.Object(
  { deviceIds: Type.Array(Id('dev'), { minItems: 1, maxItems: 2, uniqueItems: true }) },
  { additionalProperties: false },
);

export const BoundLicense = Type.Object({
  license: Shared(GatewayLicense),
  role: Type.Union([Type.Literal('own'), Type.Literal('replica')]),
  seats: Type.Integer({ description: 'VPN seats it gives this gateway now' }),
});

export const DeviceView = Type.Object({
  device: Shared(Device),
  secupointVpnClient: Type.Object({
    maximum: Type.Integer({ description: 'Built-in seats + the users of its active licenses + its leases' }),
    builtIn: Type.Integer(),
  }),
  pro: Type.Object({ status: LicenseStatus, expiresAt: Nullable(Instant) }),
  licenses: Type.Array(BoundLicense),
});
export type DeviceView = Static<typeof DeviceView>;

export const Enrollment = Type.Object({
  deviceId: Type.String(),
  code: Type.String({ description: 'One-time code for `seatkeeper agent enroll`; shown once' }),
  expiresAt: Instant,
});

export const EnrollRequest = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const EnrollAnswer = Type.Object({
  deviceId: Type.String(),
  organizationId: Type.String(),
  credential: Type.String({ description: 'The device credential: the gateway’s only secret, shown once' }),
});

export const StatementRequest = Type.Object(
  {
    connected: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Tunnels up on the gateway now' }),
    wanted: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Seats it would like to hold in all' }),
    ),
  },
  { additionalProperties: false },
);

export const StatementAnswer = Type.Object({
  statement: GatewayStatementSchema,
  refreshAfterMs: Type.Integer({ description: 'Ask again within this long to keep the leases' }),
});
