import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. */
export function seal(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function unseal(sealed: string, key: Buffer): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
    throw new Error('sealed value has an unknown format');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/** API and bootstrap tokens are stored only as this digest; the token itself is shown once. */
export const tokenDigest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * skt: API token; skb: bootstrap; ske: a gateway's one-time enrollment code; skd: a device
 * credential; sks: a browser's session; skp: a one-use link that sets a password.
 */
export const newToken = (prefix: 'skt' | 'skb' | 'ske' | 'skd' | 'sks' | 'skp'): string =>
  `${prefix}_${randomBytes(32).toString('base64url')}`;

/** A token that only a holder of `key` can make, the same each time for one `purpose` (HKDF-SHA256). */
export const derivedToken = (prefix: 'skb', key: Buffer, purpose: string): string =>
  `${prefix}_${Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), purpose, 32)).toString('base64url')}`;
