import type { Device, DeviceView, GatewayLicense } from '../../../contract/gateways.js';
import { ERRORS, type Failure } from '../../../domain/errors.js';
import { formError } from '../../../html/document.js';
import { type Html, html } from '../../../html/html.js';
import { badge, day, type Tone } from '../parts.js';

/** Pieces the gateway pages share: statuses in the console's words, refusals beside their form. */

/** The id in the page's path (`/devices/:id`), as typed: unknown ids answer 404 from the operations. */

/** A form the operation refused: its message, verbatim, shown beside that form with the catalog's status. */
export interface Refusal {
  form: string;
  message: string;
  status: number;
}

export const refusalOf = (form: string, failure: Failure): Refusal => ({
  form,
  message: failure.detail,
  status: ERRORS[failure.code].status,
});

export const refusalFor = (refusal: Refusal | undefined, form: string): Html =>
  formError(refusal?.form === form ? refusal.message : undefined);

const DEVICE_STATUS: Record<Device['licenseStatus'], [string, Tone]> = {
  active: ['Active', 'ok'],
  expiring: ['Expiring', 'warn'],
  expired: ['Expired', 'bad'],
  inactive: ['Inactive', 'plain'],
};

/** The device list's License Status: Merging while a license can still be undone. */
export function deviceStatus(device: Device): Html {
  if (device.replacedBy !== null) return badge(`Replaced by ${device.replacedBy}`);
  if (device.merging) return badge('Merging', 'warn');
  const [text, tone] = DEVICE_STATUS[device.licenseStatus];
  return badge(text, tone);
}

export function proStatus(pro: DeviceView['pro']): Html {
  const [text, tone] = DEVICE_STATUS[pro.status];
  return html`${badge(text, tone)}${pro.expiresAt === null ? '' : `, expires ${day(pro.expiresAt)}`}`;
}

const LICENSE_STATUS: Record<GatewayLicense['status'], [string, Tone]> = {
  unassociated: ['Unassociated', 'plain'],
  active: ['Active', 'ok'],
  expiring: ['Expiring', 'warn'],
  expired: ['Expired', 'bad'],
};

export function licenseStatus(license: GatewayLicense): Html {
  const [text, tone] = LICENSE_STATUS[license.status];
  return badge(text, tone);
}

/** Merging with the last day it can be undone, Merged for good, or nothing while unassociated. */
export function association(license: GatewayLicense): Html {
  if (license.association === 'merging')
    return html`${badge('Merging', 'warn')}<div class="hint">undo until ${license.mergesAt === null ? '' : day(license.mergesAt)}</div>`;
  if (license.association === 'merged') return badge('Merged', 'ok');
  return html`<span class="muted">—</span>`;
}

export const keyOf = (license: GatewayLicense): string => `…${license.keyHint}`;

export const term = (license: GatewayLicense): Html =>
  license.starts === null || license.ends === null
    ? html`<span class="muted">starts at its first association</span>`
    : html`${day(license.starts)} → ${day(license.ends)}`;

/** A device by name in a list, linking to its page; ids of devices no longer listed stay ids. */
export function deviceLink(deviceId: string | null, devices: readonly Device[]): Html {
  if (deviceId === null) return html`<span class="muted">none</span>`;
  const device = devices.find((candidate) => candidate.id === deviceId);
  return html`<a href="/devices/${deviceId}">${device?.name ?? deviceId}</a>`;
}

/** A select of choices with its label; a list with nothing to choose says so instead. */
export function choose(parts: {
  id: string;
  name: string;
  label: string;
  choices: readonly { value: string; text: string }[];
}): Html | undefined {
  if (parts.choices.length === 0) return undefined;
  return html`<label for="${parts.id}">${parts.label}</label>
<select id="${parts.id}" name="${parts.name}">${parts.choices.map(
    (choice) => html`<option value="${choice.value}">${choice.text}</option>`,
  )}</select>`;
}
