import { type Static, Type } from '@sinclair/typebox';
import { checker } from '../../contract/check.js';
import type { Tunnel } from '../admission.js';

/**
 * What a gateway reports of its seats, as its device page shows them: the "SecuPoint VPN Client"
 * maximum and its built-in seats, each license of its statement with the seats it gives now, and
 * the tunnels up. The schema is the JSON form (`agent usage --json`, and the running agent's
 * live-usage.json, read back by other processes).
 */
const Instant = Type.String();

export const GatewayLicenseReport = Type.Object({
  licenseId: Type.String(),
  keyHint: Type.String(),
  sku: Type.String(),
  kind: Type.Union([Type.Literal('secupoint'), Type.Literal('pro')]),
  users: Type.Integer(),
  starts: Instant,
  ends: Instant,
  /** Shared with other gateways (its own or a replica): the seats held of its pool, and until when. */
  lease: Type.Union([Type.Object({ seats: Type.Integer(), until: Instant }), Type.Null()]),
  /** VPN seats it gives this gateway now. */
  seats: Type.Integer(),
  status: Type.Union([Type.Literal('counting'), Type.Literal('not_counting')]),
  reason: Type.Union([Type.String(), Type.Null()]),
});
export type GatewayLicenseReport = Static<typeof GatewayLicenseReport>;

export const GatewayUsageJson = Type.Object({
  profile: Type.Literal('gateway'),
  deviceId: Type.String(),
  organizationId: Type.String(),
  serviceUrl: Type.String(),
  connected: Type.Integer(),
  /** The same as the SecuPoint VPN Client maximum: what admission counts against. */
  licensed: Type.Integer(),
  secupointVpnClient: Type.Object({ maximum: Type.Integer(), builtIn: Type.Integer() }),
  statement: Type.Union([
    Type.Object({
      issuedAt: Instant,
      validUntil: Instant,
      receivedAt: Instant,
      /** Past its validity only the built-in seats count, until the service answers again. */
      valid: Type.Boolean(),
    }),
    Type.Null(),
  ]),
  /** Why the stored statement counts nothing (damaged, another key's, another device's); null if it counts. */
  problem: Type.Union([Type.String(), Type.Null()]),
  licenses: Type.Array(GatewayLicenseReport),
  tunnels: Type.Array(
    Type.Object({
      id: Type.String(),
      user: Type.Optional(Type.String()),
      address: Type.Optional(Type.String()),
      connectedAt: Instant,
    }),
  ),
});

export type GatewayUsage = Omit<Static<typeof GatewayUsageJson>, 'tunnels'> & { tunnels: Tunnel[] };

/** live-usage.json as a running gateway agent writes it. */
export const liveGatewayUsage = checker(Type.Object({ pid: Type.Integer(), usage: GatewayUsageJson }));

/** The usage read back from JSON, its instants as dates again. */
export const gatewayUsageFromJson = (usage: Static<typeof GatewayUsageJson>): GatewayUsage => ({
  ...usage,
  tunnels: usage.tunnels.map((tunnel) => ({ ...tunnel, connectedAt: new Date(tunnel.connectedAt) })),
});
