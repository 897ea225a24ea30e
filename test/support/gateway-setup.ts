import { systemClock } from '../../src/domain/clock.js';
import { createEnrollment } from '../../src/service/gateways/enrollment.js';
import { openContext } from '../../src/service/runtime.js';
import { associatedLicense, registerTestDevice, shareWith, testOrganization } from './gateways.js';

/**
 * Gateways made straight in a service's store before the service runs on it: an organization, its
 * devices, licenses associated with them (and shared), and a one-time enrollment code for each
 * device, for `seatkeeper agent enroll` against the service started afterwards.
 */
export interface GatewayPlan {
  devices: number;
  /** Licenses by model, each associated with a device (its index) and shared with others. */
  licenses: { sku: string; device: number; sharedWith?: number[] }[];
}

export interface PreparedGateways {
  organizationId: string;
  deviceIds: string[];
  licenseIds: string[];
  codes: string[];
}

export async function prepareGateways(
  store: { dataDir: string; databaseUrl?: string | undefined },
  plan: GatewayPlan,
): Promise<PreparedGateways> {
  const ctx = await openContext(
    { dataDir: store.dataDir, databaseUrl: store.databaseUrl, certificateTtlMs: 86_400_000 },
    systemClock,
  );
  try {
    const organization = await testOrganization(ctx);
    const deviceIds: string[] = [];
    for (let i = 0; i < plan.devices; i++)
      deviceIds.push(await registerTestDevice(ctx, organization, `ESG ${i + 1}`));
    const licenseIds: string[] = [];
    for (const { sku, device, sharedWith } of plan.licenses) {
      const licenseId = await associatedLicense(ctx, organization, deviceIds[device] as string, sku);
      if (sharedWith !== undefined && sharedWith.length > 0)
        await shareWith(
          ctx,
          organization,
          licenseId,
          ...sharedWith.map((index) => deviceIds[index] as string),
        );
      licenseIds.push(licenseId);
    }
    const codes: string[] = [];
    for (const deviceId of deviceIds) {
      const enrollment = await createEnrollment(ctx, organization.owner, deviceId);
      if (!enrollment.ok) throw new Error(`${enrollment.error.code}: ${enrollment.error.detail}`);
      codes.push(enrollment.value.code);
    }
    return { organizationId: organization.organizationId, deviceIds, licenseIds, codes };
  } finally {
    await ctx.store.close();
  }
}
