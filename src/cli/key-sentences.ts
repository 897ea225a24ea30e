import { readableInstant, shownKey } from '../domain/key-status.js';
import { plural } from '../domain/text.js';
import type { LicenseView } from '../service/licenses/operations.js';

/** What the key commands, and the approvals of support requests that run them, say they did. */

/** What `key replace` and an approved replacement say: the key to activate, and when the old one stops. */
export function replacedSentence(original: LicenseView, replacement: LicenseView): string {
  const stops =
    original.revokedAt === null ? '' : `, and stops at ${readableInstant(new Date(original.revokedAt))}`;
  return `${shownKey(original.key.slice(-4))} is replaced by ${replacement.key} (${replacement.id}): activate that key on the new machine. The old key keeps working on its machine for 7 days${stops}.`;
}

/** What `key split` and an approved split say before the new keys. */
export const splitSentence = (original: LicenseView, keys: readonly LicenseView[]): string =>
  `Split ${shownKey(original.key.slice(-4))} (${original.id}) into ${plural(keys.length, 'key')}; it is retired. The new keys:`;

/** What `key failover` and an approved failover request say: the key, and how the standby activates it. */
export const failoverSentence = (failover: LicenseView, originalHint: string): string =>
  `Failover key ${failover.key} (${failover.id}) for ${shownKey(originalHint)}: ${plural(failover.connections, 'connection')} until ${failover.ends.slice(0, 10)}. Activate it on the standby server with: seatkeeper agent activate ${failover.key} --failover`;
