import type { Device, DeviceView, GatewayLicense } from '../contract/gateways.js';
import { secupointVpnClientLine } from '../domain/gateway-seats.js';
import { print, table } from './output.js';

/** How the gateway commands print devices, licenses and the device page. */

const day = (instant: string | null): string => instant?.slice(0, 10) ?? '-';

const STATUS: Record<Device['licenseStatus'], string> = {
  active: 'Active',
  expiring: 'Expiring',
  expired: 'Expired',
  inactive: 'Inactive',
};

/** The device list's License Status column: Merging while a license can still be undone. */
const statusOf = (device: Device): string =>
  device.replacedBy !== null
    ? `Replaced by ${device.replacedBy}`
    : device.merging
      ? 'Merging'
      : STATUS[device.licenseStatus];

export function printDevices(devices: readonly Device[]): void {
  if (devices.length === 0) {
    print('No devices in this organization yet: register one with `seatkeeper device register`.');
    return;
  }
  print(
    table(
      ['DEVICE', 'NAME', 'MODEL', 'SERIAL NUMBER', 'MAC', 'LICENSE STATUS', 'EXPIRES', 'VPN SEATS'],
      devices.map((device) => [
        device.id,
        device.name,
        device.model,
        device.serialNumber,
        device.mac,
        statusOf(device),
        day(device.expiresAt),
        String(device.vpnSeats),
      ]),
    ),
  );
}

const associationOf = (license: GatewayLicense): string =>
  license.association === 'merging'
    ? `Merging (undo until ${day(license.mergesAt)})`
    : license.association === 'merged'
      ? 'Merged'
      : '-';

export function printLicenses(licenses: readonly GatewayLicense[]): void {
  if (licenses.length === 0) {
    print('No licenses in this organization yet: add a key with `seatkeeper gateway-license add`.');
    return;
  }
  print(
    table(
      ['LICENSE', 'KEY', 'MODEL', 'USERS', 'DEVICE', 'ASSOCIATION', 'STATUS', 'ENDS', 'SHARED WITH'],
      licenses.map((license) => [
        license.id,
        `…${license.keyHint}`,
        license.sku,
        String(license.users),
        license.deviceId ?? '-',
        associationOf(license),
        license.status,
        day(license.ends),
        license.replicas.join(', ') || '-',
      ]),
    ),
  );
}

/** The device page: the "SecuPoint VPN Client" maximum at the top, then what gives it. */
export function printDevicePage(page: DeviceView): void {
  const { device, secupointVpnClient, pro } = page;
  print(
    `${device.name} (${device.id}): ${device.model}, serial number ${device.serialNumber}, MAC ${device.mac}`,
  );
  if (device.replacedBy !== null) print(`Replaced by ${device.replacedBy}: it holds and counts nothing.`);
  if (device.replacedBy === null) print(secupointVpnClientLine(secupointVpnClient));
  print(
    `License status: ${statusOf(device)}${device.expiresAt === null ? '' : `, expires ${day(device.expiresAt)}`}`,
  );
  print(
    `Pro license: ${STATUS[pro.status]}${pro.expiresAt === null ? '' : `, expires ${day(pro.expiresAt)}`}`,
  );
  print();
  if (page.licenses.length === 0) {
    print('No license is bound to this device: associate one with `seatkeeper gateway-license associate`.');
    return;
  }
  print(
    table(
      ['LICENSE', 'MODEL', 'USERS', 'GIVES NOW', 'BOUND AS', 'ASSOCIATION', 'ENDS'],
      page.licenses.map(({ license, role, seats }) => [
        license.id,
        license.sku,
        String(license.users),
        String(seats),
        role === 'own' ? (license.replicas.length > 0 ? 'owner, shared' : 'own') : 'replica',
        role === 'own' ? associationOf(license) : '-',
        day(license.ends),
      ]),
    ),
  );
}
