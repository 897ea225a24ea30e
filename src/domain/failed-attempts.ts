/**
 * Failed credential attempts (unknown license keys, subscription keys, API or bootstrap tokens)
 * are limited per client address and per credential prefix, within a fixed window.
 */
export interface FailureLimits {
  /** Failed attempts one client address may make in a window; the next ones are refused. */
  perAddress: number;
  /** Failed attempts at credentials that begin alike, from anywhere, in a window. */
  perPrefix: number;
  windowMs: number;
}

export const DEFAULT_FAILURE_LIMITS: FailureLimits = { perAddress: 100, perPrefix: 20, windowMs: 600_000 };

/** Characters of a credential that name its prefix, after a type such as `sks_`. */
const PREFIX_LENGTH = 8;

/** An IPv6 client is counted by its /64: one host usually holds the whole of it. */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped !== undefined) return `a:${mapped}`;
  if (!ip.includes(':')) return `a:${ip}`;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head === '' ? [] : head.split(':');
  const right = ip.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `a:${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * The start of a key or token as typed (any case, dashes and spaces left out), so that guesses
 * at the rest of a partly known credential count together wherever they come from.
 */
export function prefixKey(credential: string): string {
  const compact = credential.replace(/[\s-]/g, '').toUpperCase();
  const typed = /^[A-Z]{3}_/.test(compact) ? 4 : 0;
  return `p:${compact.slice(0, typed + PREFIX_LENGTH)}`;
}

export const limitOf = (key: string, limits: FailureLimits): number =>
  key.startsWith('a:') ? limits.perAddress : limits.perPrefix;

/** Failures counted in the window that ends at `windowEndsAt`; the limit reached blocks until then. */
export function blockedUntil(
  failures: number,
  limit: number,
  windowEndsAt: number,
  now: number,
): number | undefined {
  return failures >= limit && windowEndsAt > now ? windowEndsAt : undefined;
}
