import { describeDifference, type FingerprintProperty } from './fingerprint.js';

/**
 * Machine changes: a few properties of a server may change (a new network card, a renamed host,
 * an upgraded OS) and its key follows automatically, at most 3 times in the key's lifetime
 * (Access Server's terms); after that the key stays locked to its last valid configuration. A
 * new machine id, or more changed at once, is another machine: a clone, never followed.
 */
export const MAX_RENEGOTIATIONS = 3;

/** How many of the properties besides the machine id may change at once and still match. */
export const MAX_CHANGED_PROPERTIES = 2;

export type MachineChange = { kind: 'same' } | { kind: 'renegotiate' } | { kind: 'refused'; what: string };

export function judgeMachineChange(
  differing: readonly FingerprintProperty[],
  renegotiationsUsed: number,
): MachineChange {
  if (differing.length === 0) return { kind: 'same' };
  const what = describeDifference(differing);
  if (differing.includes('machineId') || differing.length > MAX_CHANGED_PROPERTIES)
    return { kind: 'refused', what };
  if (renegotiationsUsed >= MAX_RENEGOTIATIONS)
    return {
      kind: 'refused',
      what: `${what}; the key has used its ${MAX_RENEGOTIATIONS} automatic renegotiations and stays locked to its last valid configuration`,
    };
  return { kind: 'renegotiate' };
}
