import type { WebModule } from '../web-module.js';
import { devicePages } from './device.js';
import { inventoryPages } from './inventory.js';
import { keyPages } from './keys.js';
import { licenseActionPages } from './license-actions.js';
import { organizationPages } from './organizations.js';

/** Gateways: organizations, their Inventory & License, and the device page (EnGenius/SecuPoint). */
export const gatewayPages: WebModule = (app, deps) => {
  for (const pages of [organizationPages, inventoryPages, keyPages, licenseActionPages, devicePages])
    pages(app, deps);
};
