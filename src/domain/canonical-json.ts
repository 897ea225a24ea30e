import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, no white space, `undefined` members left out. Two parties
 * that serialize the same value get the same bytes, which is what a signature is made over.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no representation for this number');
    return JSON.stringify(value);
  }
  // Array.from turns holes into undefined, which is refused below like any undefined element.
  if (Array.isArray(value)) return `[${Array.from(value, canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new TypeError('canonical JSON holds plain objects only; convert dates and class instances first');
    }
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** A digest of a request: two requests with the same members in any order have the same one. */
export const requestDigest = (request: unknown): string =>
  createHash('sha256').update(canonicalJson(request)).digest('base64url');
