import { type Static, Type } from '@sinclair/typebox';
import { CertificateSchema } from '../domain/certificate.js';
import { MachinePropertiesSchema } from '../domain/fingerprint.js';
import { Instant, Shared } from './common.js';
import { Id } from './ids.js';

/** The machine properties a key or a pool membership is bound to, as the agent reads them. */
export const Fingerprint = MachinePropertiesSchema;

export const ServerId = Id('srv', 'The agent’s server id');

const LicenseKey = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'The license key as typed: any case, dashes or spaces optional',
});

/**
 * What a license's certificates say, as a short token: it changes whenever the key's connections,
 * term, kind or end change (a renewal, a replacement, a revocation), so an agent holding a
 * certificate of another revision asks for a fresh one.
 */
const Revision = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'Changes whenever what the key’s certificates say changes: refresh the certificate then',
});

export const ActivationRequest = Type.Object(
  {
    key: LicenseKey,
    serverId: ServerId,
    fingerprint: Fingerprint,
    nonce: Type.String({
      minLength: 8,
      maxLength: 128,
      description: 'Echoed in the certificate so the agent knows it is fresh',
    }),
    failover: Type.Optional(
      Type.Boolean({ description: 'This is an integrated failover (standby) server using a failover key' }),
    ),
  },
  { additionalProperties: false },
);
export type ActivationRequest = Static<typeof ActivationRequest>;

/** What `seatkeeper agent offline-request` writes: an activation request carried by hand. */
export const OfflineRequest = Type.Object(
  { ...ActivationRequest.properties, format: Type.Optional(Type.Literal('seatkeeper-offline-request/1')) },
  { additionalProperties: false },
);
export type OfflineRequest = Static<typeof OfflineRequest>;

export const ActivationAnswer = Type.Object({
  licenseId: Type.String(),
  activationId: Type.String(),
  created: Type.Boolean({ description: 'True when this request bound the key' }),
  certificate: Shared(CertificateSchema),
  revision: Revision,
});
export type ActivationAnswer = Static<typeof ActivationAnswer>;

/** The schemas the activation answers refer to by `$id`. */
export const ACTIVATION_REFERENCES = [CertificateSchema];

/** What `agent offline-import` reads: the service's answer to an offline request, or its certificate alone. */
export const OfflineAnswer = Type.Union([
  Type.Object({ certificate: Shared(CertificateSchema), revision: Type.Optional(Revision) }),
  CertificateSchema,
]);
export type OfflineAnswer = Static<typeof OfflineAnswer>;

/** An agent asking after a key bound to its server: the key is the credential, as for a refresh. */
export const LicenseStateRequest = Type.Object(
  { key: LicenseKey, serverId: ServerId },
  { additionalProperties: false },
);
export type LicenseStateRequest = Static<typeof LicenseStateRequest>;

/**
 * A bound key as the service holds it now, for the agent's regular check: cheap to answer, and
 * what the agent needs to know whether its certificate is still what the service says.
 */
export const LicenseState = Type.Object({
  licenseId: Type.String(),
  revision: Revision,
  status: Type.Union(
    [Type.Literal('active'), Type.Literal('replaced'), Type.Literal('expired'), Type.Literal('revoked')],
    {
      description:
        'replaced: works on its machine until stopsAt (the replacement program’s overlap); revoked: stopped',
    },
  ),
  ends: Instant,
  /** When the key stops working on its machine: a replaced key's overlap end, a revoked key's revocation. */
  stopsAt: Type.Union([Instant, Type.Null()]),
  /** The key that replaces it, by its last characters: the key itself is read in the account. */
  replacedBy: Type.Union([Type.Object({ licenseId: Type.String(), keyHint: Type.String() }), Type.Null()]),
  checkedAt: Instant,
});
export type LicenseState = Static<typeof LicenseState>;
