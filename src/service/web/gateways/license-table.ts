import type { Device, GatewayLicense, Organization } from '../../../contract/gateways.js';
import { SHAREABLE_ABOVE_USERS } from '../../../domain/gateway-sharing.js';
import { csrfInput } from '../../../html/forms.js';
import { type Html, html } from '../../../html/html.js';
import { table } from '../parts.js';
import { association, choose, deviceLink, keyOf, licenseStatus, term } from './parts.js';

/** The inventory's license list: each license's state and the forms that change it. */
export interface LicenseTableParts {
  csrf: string;
  organizationId: string;
  licenses: readonly GatewayLicense[];
  /** The organization's gateways still in service: what a license can be associated or shared with. */
  devices: readonly Device[];
  /** The other organizations the visitor administers: where an unassociated license can move. */
  elsewhere: readonly Organization[];
}

const form = (action: string, csrf: string, inside: Html): Html =>
  html`<form method="post" action="${action}">${csrfInput(csrf)}${inside}</form>`;

function associateForm(license: GatewayLicense, parts: LicenseTableParts): Html {
  const select = choose({
    id: `associate-${license.id}`,
    name: 'deviceId',
    label: 'Associate with',
    choices: parts.devices.map((device) => ({
      value: device.id,
      text: `${device.name} (${device.serialNumber})`,
    })),
  });
  if (select === undefined) return html`<p class="hint">Register a device to associate it with.</p>`;
  return form(
    `/gateway-licenses/${license.id}/associate`,
    parts.csrf,
    html`${select} <button type="submit" name="associate" value="${license.id}">Associate</button>`,
  );
}

function moveForm(license: GatewayLicense, parts: LicenseTableParts): Html {
  const select = choose({
    id: `move-${license.id}`,
    name: 'organizationId',
    label: 'Move to organization',
    choices: parts.elsewhere.map((organization) => ({ value: organization.id, text: organization.name })),
  });
  if (select === undefined) return html``;
  return form(
    `/gateway-licenses/${license.id}/move`,
    parts.csrf,
    html`${select} <button type="submit" class="secondary" name="move" value="${license.id}">Move</button>`,
  );
}

const shareable = (license: GatewayLicense): boolean =>
  license.kind === 'secupoint' &&
  license.users > SHAREABLE_ABOVE_USERS &&
  license.deviceId !== null &&
  license.status !== 'expired';

/** "Share" on a license of more than 100 users: the gateways to bind a replica to, then Confirm. */
function shareForm(license: GatewayLicense, parts: LicenseTableParts): Html {
  if (!shareable(license)) return html``;
  const candidates = parts.devices.filter(
    (device) => device.id !== license.deviceId && !license.replicas.includes(device.id),
  );
  const replicas = license.replicas.map((deviceId) =>
    form(
      `/gateway-licenses/${license.id}/unshare`,
      parts.csrf,
      html`<input type="hidden" name="deviceId" value="${deviceId}"><button type="submit" class="secondary" name="unshare" value="${deviceId}">Undo replica on ${parts.devices.find((device) => device.id === deviceId)?.name ?? deviceId}</button>`,
    ),
  );
  const share =
    candidates.length === 0
      ? ''
      : form(
          `/gateway-licenses/${license.id}/share`,
          parts.csrf,
          html`<fieldset><legend>Share with</legend>${candidates.map(
            (device) =>
              html`<label class="choice" for="share-${license.id}-${device.id}"><input type="checkbox" id="share-${license.id}-${device.id}" name="deviceIds" value="${device.id}"> ${device.name}</label>`,
          )}<button type="submit" name="share" value="${license.id}">Share</button></fieldset>`,
        );
  return html`${share}${replicas}`;
}

function actions(license: GatewayLicense, parts: LicenseTableParts): Html {
  if (license.deviceId === null) return html`${associateForm(license, parts)}${moveForm(license, parts)}`;
  const undo =
    license.association === 'merging'
      ? form(
          `/gateway-licenses/${license.id}/undo`,
          parts.csrf,
          html`<button type="submit" class="secondary" name="undo" value="${license.id}">Undo association</button>`,
        )
      : '';
  return html`${undo}${shareForm(license, parts)}`;
}

function licenseRow(license: GatewayLicense, parts: LicenseTableParts): Html {
  return html`<tr id="${license.id}">
<td>${license.sku}<div class="hint">key <code>${keyOf(license)}</code></div></td>
<td class="number">${license.users}</td>
<td>${licenseStatus(license)}</td>
<td>${deviceLink(license.deviceId, parts.devices)}</td>
<td>${association(license)}</td>
<td>${term(license)}</td>
<td>${license.replicas.length === 0 ? html`<span class="muted">—</span>` : license.replicas.map((id, i) => html`${i === 0 ? '' : ', '}${deviceLink(id, parts.devices)}`)}</td>
<td>${actions(license, parts)}</td>
</tr>`;
}

export function licenseTable(parts: LicenseTableParts): Html {
  const unassociated = parts.licenses.filter((license) => license.deviceId === null).length;
  return table({
    caption: `${parts.licenses.length} licenses, ${unassociated} unassociated`,
    head: ['Model', 'Users', 'Status', 'Device', 'Association', 'Term', 'Shared with', 'Actions'],
    numeric: [1],
    rows: parts.licenses.map((license) => licenseRow(license, parts)),
    empty: 'No licenses in this organization yet: add a license key below.',
  });
}
