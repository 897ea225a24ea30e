import { GATEWAY_POLICY } from '../../domain/seats.js';
import { isoDate } from '../../domain/terms.js';

export interface RemindedKey {
  keyHint: string;
  connections: number;
  orderNumber: string | null;
  legacy: boolean;
  hostname: string | null;
}

export interface RemindedSubscription {
  keyHint: string;
  connections: number;
  period: 'monthly' | 'yearly';
}

/** A gateway license associated with a device, as its notice names it. */
export interface RemindedGatewayLicense {
  sku: string;
  /** The model's name, such as "SecuPoint VPN Client, 1 year". */
  modelName: string;
  kind: 'secupoint' | 'pro';
  users: number;
  keyHint: string;
  organization: string;
  device: { name: string; serialNumber: string; model: string };
  /** The other gateways that share it (replicas), which lose it with it. */
  sharedWith: number;
}

export interface ReminderFacts {
  accountEmail: string;
  ends: Date;
  daysLeft: number;
}

const inDays = (days: number) => (days === 1 ? 'in 1 day' : `in ${days} days`);

/** The most characters of customer-supplied text an email shows. */
export const QUOTED_MAX = 64;

/**
 * Text a customer supplied (a server's host name) as an email shows it: one line, bounded, in
 * quotes, with no working link, so that it can never pass for the vendor's own words.
 */
export function quoted(text: string): string {
  // Control, format (bidi, zero-width) and separator characters: one space for each run.
  const line = text.replace(/[\p{C}\p{Z}]+/gu, ' ').trim();
  const plain = line.replaceAll('"', "'").replaceAll('://', '[:]//');
  const characters = [...plain];
  const bounded = characters.length > QUOTED_MAX ? `${characters.slice(0, QUOTED_MAX - 1).join('')}…` : plain;
  return `"${bounded}"`;
}

const SIGN_OFF = ['', 'Reminders are sent 60, 30 and 3 days before a license key or subscription ends.'];

const keyLine = (key: RemindedKey) =>
  [
    `  key ending ${key.keyHint}`,
    `${key.connections} connections`,
    ...(key.orderNumber === null ? [] : [`order ${key.orderNumber}`]),
    key.hostname === null ? 'not activated' : `activated on the server named ${quoted(key.hostname)}`,
    ...(key.legacy ? ['legacy terms'] : []),
  ].join(', ');

/** What the end of the term does: current keys stop counting; legacy keys only lose replacement. */
function afterTheEnd(keys: readonly RemindedKey[]): string[] {
  const legacy = keys.filter((key) => key.legacy).length;
  const current = keys.length - legacy;
  const lines: string[] = [];
  if (current > 0)
    lines.push(
      current === 1 && legacy === 0
        ? 'Once the term has ended, the key stops counting connections on its server until renewed.'
        : `Once the term has ended, ${legacy === 0 ? 'the keys stop' : 'the keys on current terms stop'} counting connections on their servers until renewed.`,
    );
  if (legacy > 0)
    lines.push(
      legacy === 1
        ? 'A key on legacy terms goes on working on the server it was activated on after the term, but can no longer be replaced for a changed machine.'
        : 'Keys on legacy terms go on working on the servers they were activated on after the term, but can no longer be replaced for a changed machine.',
    );
  return lines;
}

/** The reminder for license keys of one account that end together. */
export function keysEndingMail(
  facts: ReminderFacts,
  keys: readonly RemindedKey[],
): { subject: string; text: string } {
  const date = isoDate(facts.ends);
  const when = `${inDays(facts.daysLeft)}, on ${date}`;
  const one = keys.length === 1;
  const lines = [
    'Hello,',
    '',
    `The support and updates term of ${one ? 'this license key' : `these ${keys.length} license keys`} on the account ${facts.accountEmail} ends ${when}:`,
    '',
    ...keys.map(keyLine),
    '',
    `Renew ${one ? 'it' : 'them'} before then and the new term starts the day after ${date}, so no day is lost.`,
    ...afterTheEnd(keys),
  ];
  return {
    subject: one ? `Your license key ends ${when}` : `${keys.length} license keys end ${when}`,
    text: [...lines, ...SIGN_OFF].join('\n'),
  };
}

/** The reminder for a subscription that does not renew by itself. */
export function subscriptionEndingMail(
  facts: ReminderFacts,
  subscription: RemindedSubscription,
): { subject: string; text: string } {
  const when = `${inDays(facts.daysLeft)}, on ${isoDate(facts.ends)}`;
  const lines = [
    'Hello,',
    '',
    `The ${subscription.period} subscription ending ${subscription.keyHint} (${subscription.connections} connections) on the account ${facts.accountEmail} does not renew automatically and ends ${when}.`,
    '',
    'Renew it before then to keep its connections on every server that shares it.',
  ];
  return { subject: `Your subscription ends ${when}`, text: [...lines, ...SIGN_OFF].join('\n') };
}

const GATEWAY_SIGN_OFF = ['', 'Notices are sent 60, 30 and 3 days before a gateway license expires.'];

/** What the end of a gateway license does: a SecuPoint license's users go, a Pro license's cloud management. */
function gatewayAfterTheEnd(license: RemindedGatewayLicense): string[] {
  if (license.kind === 'pro')
    return [
      'Once it has expired, the gateway keeps working but can no longer be managed from the cloud; its SecuPoint VPN users are not affected.',
      'To keep managing it from the cloud, associate a new Pro license with the gateway before then.',
    ];
  const shared =
    license.sharedWith === 0
      ? ''
      : license.sharedWith === 1
        ? ' The gateway it is shared with loses its share of them too.'
        : ` The ${license.sharedWith} gateways it is shared with lose their shares of them too.`;
  return [
    `Once it has expired, the gateway no longer counts its ${license.users} SecuPoint VPN users: it keeps its ${GATEWAY_POLICY.builtInSeats} built-in users and those of its other active licenses.${shared}`,
    'To keep these users, associate a new SecuPoint license with the gateway before then.',
  ];
}

/** The notice for a gateway license associated with a device (a shared one: for its owner device). */
export function gatewayLicenseEndingMail(
  facts: ReminderFacts,
  license: RemindedGatewayLicense,
): { subject: string; text: string } {
  const when = `${inDays(facts.daysLeft)}, on ${isoDate(facts.ends)}`;
  const gives = license.kind === 'pro' ? 'Pro features' : `${license.users} VPN users`;
  const { device } = license;
  const lines = [
    'Hello,',
    '',
    `A gateway license of the account ${facts.accountEmail} expires ${when}:`,
    '',
    `  license ${license.sku} (${license.modelName}, ${gives}), from the key ending ${license.keyHint}`,
    `  in the organization ${quoted(license.organization)}`,
    `  associated with the gateway ${quoted(device.name)}, serial number ${quoted(device.serialNumber)}, model ${quoted(device.model)}`,
    '',
    ...gatewayAfterTheEnd(license),
  ];
  return {
    subject: `Your gateway license ${license.sku} expires ${when}`,
    text: [...lines, ...GATEWAY_SIGN_OFF].join('\n'),
  };
}
