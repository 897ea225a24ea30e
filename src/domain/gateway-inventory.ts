/**
 * The facts about an organization's gateways and licenses that the gateway rules judge. The
 * service reads them from its store; the rules only look at them.
 */
export interface GatewayDevice {
  deviceId: string;
  organizationId: string;
  /** Replaced by another device after a failure: it holds nothing and takes nothing any more. */
  replaced: boolean;
}

export interface LicenseHolding {
  licenseId: string;
  organizationId: string;
  /** The device the license is associated with (the owner, once shared); null while in the inventory. */
  deviceId: string | null;
}

/** A shared license bound to one more gateway of its organization. */
export interface Replica {
  licenseId: string;
  deviceId: string;
}
