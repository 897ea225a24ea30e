import type { Command } from 'commander';
import { MAX_LICENSES_PER_KEY } from '../domain/gateway-license.js';
import type { OrderItem } from '../domain/order.js';
import type { ServiceContext } from '../service/context.js';
import { orExit } from './output.js';
import { licenseIdOf, usageError, wholeNumber } from './store-access.js';

/**
 * What an order or a quote buys, as the command line names it: `--key key-1y:10`, `--renew lic_...:2`,
 * `--gateway-license SPC-1YR-LIC:2`.
 */

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export interface ItemFlags {
  key: string[];
  renew: string[];
  subscription: string[];
  changeSubscription: string[];
  renewSubscription: string[];
  gatewayLicense: string[];
  force?: boolean;
}

/** `key-1y:10`: a SKU and its connections. */
export function sized(flag: string, text: string): { sku: string; connections: number } {
  const colon = text.lastIndexOf(':');
  const sku = text.slice(0, colon).trim();
  if (colon < 0 || sku === '')
    throw usageError(`${flag} must be SKU:CONNECTIONS, such as key-1y:10; got "${text}"`);
  return { sku, connections: wholeNumber(`${flag} ${sku}:CONNECTIONS`, text.slice(colon + 1), 1, 1_000_000) };
}

/** `SPC-1YR-LIC:2`: a gateway license model and how many licenses its key holds. */
export function gatewayLicenses(text: string): { sku: string; quantity: number } {
  const colon = text.lastIndexOf(':');
  const sku = text.slice(0, colon).trim();
  if (colon < 0 || sku === '')
    throw usageError(`--gateway-license must be SKU:QUANTITY, such as SPC-1YR-LIC:2; got "${text}"`);
  return {
    sku,
    quantity: wholeNumber(
      `--gateway-license ${sku}:QUANTITY`,
      text.slice(colon + 1),
      1,
      MAX_LICENSES_PER_KEY,
    ),
  };
}

/** The items the flags name; a renewal names its key as typed or by its id. */
export async function itemsOf(ctx: ServiceContext, flags: ItemFlags): Promise<OrderItem[]> {
  const items: OrderItem[] = flags.key.map((text) => ({ type: 'key', ...sized('--key', text) }));
  for (const text of flags.renew) {
    const [license = '', years = '1', ...rest] = text.split(':');
    if (license.trim() === '' || rest.length > 0)
      throw usageError(`--renew must be LICENSE[:YEARS], such as lic_...:2; got "${text}"`);
    items.push({
      type: 'renewal',
      licenseId: orExit(await licenseIdOf(ctx, license.trim())),
      years: wholeNumber('--renew YEARS', years, 1, 10),
    });
  }
  for (const text of flags.subscription)
    items.push({ type: 'subscription', ...sized('--subscription', text) });
  for (const text of flags.changeSubscription) {
    const { sku: subscriptionId, connections } = sized('--change-subscription', text);
    items.push({
      type: 'subscription_change',
      subscriptionId,
      connections,
      ...(flags.force ? { force: true } : {}),
    });
  }
  for (const subscriptionId of flags.renewSubscription)
    items.push({ type: 'subscription_renewal', subscriptionId: subscriptionId.trim() });
  for (const text of flags.gatewayLicense) items.push({ type: 'gateway_license', ...gatewayLicenses(text) });
  return items;
}

export const hasItems = (flags: ItemFlags) =>
  flags.key.length +
    flags.renew.length +
    flags.subscription.length +
    flags.changeSubscription.length +
    flags.renewSubscription.length +
    flags.gatewayLicense.length >
  0;

export const itemOptions = (command: Command): Command =>
  command
    .option('--key <sku:connections>', 'a new fixed key, e.g. key-1y:10 (repeatable)', collect, [])
    .option(
      '--renew <license[:years]>',
      'renew a key of the account (id or key as typed) for years, 1 by default (repeatable)',
      collect,
      [],
    )
    .option(
      '--subscription <sku:connections>',
      'a new subscription, e.g. subscription-yearly:50 (repeatable)',
      collect,
      [],
    )
    .option(
      '--change-subscription <subscription:connections>',
      'scale a subscription now, e.g. sub_...:150: the unused days are credited and the rest charged, per day (orders only)',
      collect,
      [],
    )
    .option(
      '--renew-subscription <subscription>',
      'the next period of a subscription, at today’s price (orders only; the service places these itself a week ahead)',
      collect,
      [],
    )
    .option(
      '--gateway-license <sku:quantity>',
      'a gateway license key of one model, e.g. SPC-1YR-LIC:2 for 2 licenses of 20 VPN users (repeatable)',
      collect,
      [],
    )
    .option('--force', 'with --change-subscription: scale down even below the connections in use now');
