import { type Static, Type } from '@sinclair/typebox';
import { CertificateSchema } from '../domain/certificate.js';
import { MachinePropertiesSchema } from '../domain/fingerprint.js';
import { Shared } from './common.js';
import { Id } from './ids.js';

/** The machine properties a key or a pool membership is bound to, as the agent reads them. */
export const Fingerprint = MachinePropertiesSchema;

export const ServerId = Id('srv', 'The agent’s server id');

export const ActivationRequest = Type.Object(
  {
    key: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The license key as typed: any case, dashes or spaces optional',
    }),
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
});
export type ActivationAnswer = Static<typeof ActivationAnswer>;

/** The schemas the activation answers refer to by `$id`. */
export const ACTIVATION_REFERENCES = [CertificateSchema];

/** What `agent offline-import` reads: the service's answer to an offline request, or its certificate alone. */
export const OfflineAnswer = Type.Union([
  Type.Object({ certificate: Shared(CertificateSchema) }),
  CertificateSchema,
]);
export type OfflineAnswer = Static<typeof OfflineAnswer>;
