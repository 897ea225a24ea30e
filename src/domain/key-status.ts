/**
 * Why a key has its status, in the words its owner reads in a key list: a revoked key says whether
 * it was refunded, split (into which keys) or replaced (by which key, and when it stops), and a
 * failover key says which key it stands in for. Keys are named by their last group, never whole.
 */

export type EndedReason = 'refunded' | 'split' | 'replaced';

export interface KeyStatusFacts {
  endedReason: EndedReason | null;
  /** When the key stopped, or stops: a replaced key works on through its overlap week. */
  stopsAt: Date | null;
  /** The last groups of the keys that carry it on: its replacement, or the keys it was split into. */
  successors: readonly string[];
  /** For a failover key, the last group of the key it stands in for. */
  failoverOf: string | null;
}

/** A key named by its last group, as a list of keys or a reminder email names it. */
export const shownKey = (hint: string): string => `…${hint}`;

/** An instant to the minute (or the second), as a person reads it: `2026-12-07 12:00 UTC`. */
export const readableInstant = (
  instant: Date | string,
  precision: 'minutes' | 'seconds' = 'minutes',
): string =>
  `${new Date(instant)
    .toISOString()
    .slice(0, precision === 'minutes' ? 16 : 19)
    .replace('T', ' ')} UTC`;

function endedWords(key: KeyStatusFacts, now: Date): string | null {
  const successors = key.successors.map(shownKey).join(', ');
  switch (key.endedReason) {
    case null:
      return null;
    case 'refunded':
      return 'refunded';
    case 'split':
      return successors === '' ? 'split' : `split into ${successors}`;
    case 'replaced': {
      const replaced = successors === '' ? 'replaced' : `replaced by ${successors}`;
      if (key.stopsAt === null) return replaced;
      const tense = now.getTime() < key.stopsAt.getTime() ? 'stops' : 'stopped';
      return `${replaced}, ${tense} at ${readableInstant(key.stopsAt)}`;
    }
  }
}

/** Why the key has its status, or null for a key with nothing more to say than its status. */
export function keyStatusReason(key: KeyStatusFacts, now: Date): string | null {
  const reasons = [
    key.failoverOf === null ? null : `failover for ${shownKey(key.failoverOf)}`,
    endedWords(key, now),
  ].filter((reason) => reason !== null);
  return reasons.length === 0 ? null : reasons.join('; ');
}
