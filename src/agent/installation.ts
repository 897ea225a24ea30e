import { createPublicKey } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { keyIdOf, publicKeyFromPem } from '../domain/certificate.js';
import { fail, ok, type Result } from '../domain/errors.js';
import type { PublicKeys } from '../domain/signed.js';

/**
 * The agent's installation: what the VPN server's administrator installs once, as root, where the
 * agent's users cannot write. It holds the vendor's public key, the one trust anchor of every
 * certificate and pool grant; the state directory the agent writes holds none, so that editing
 * it gains nothing.
 */
export const DEFAULT_AGENT_CONFIG_DIR = '/etc/seatkeeper';

export interface VendorKey {
  kid: string;
  publicKeyPem: string;
}

export const vendorKeyPath = (configDir: string): string => join(configDir, 'vendor.pem');

/** What an agent with no vendor key says, wherever it needs one. */
export const noVendorKeyMessage = (path = vendorKeyPath(DEFAULT_AGENT_CONFIG_DIR)): string =>
  `No vendor public key is installed on this server (${path}): install the vendor.pem your vendor gives you once, as root, with \`seatkeeper agent install --vendor-key vendor.pem\`.`;

/** A vendor public key from its PEM: Ed25519, and public (the signing key stays on the service). */
export function parseVendorKey(pem: string): Result<VendorKey> {
  if (/PRIVATE KEY/.test(pem))
    return fail(
      'validation_failed',
      'this is a private key: give the vendor’s public key (the vendor.pem the license service writes), never its signing key',
      'vendorKey',
    );
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519')
      return fail('validation_failed', 'the vendor key must be an Ed25519 public key', 'vendorKey');
    return ok({ kid: keyIdOf(key), publicKeyPem: key.export({ format: 'pem', type: 'spki' }).toString() });
  } catch (error) {
    return fail('validation_failed', `not a PEM public key: ${(error as Error).message}`, 'vendorKey');
  }
}

/** The vendor key in a PEM file, or why it cannot be used. */
export function readVendorKey(file: string): Result<VendorKey> {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    return fail(
      'validation_failed',
      `cannot read the vendor public key ${file}: ${(error as Error).message}`,
      'vendorKey',
    );
  }
  const key = parseVendorKey(pem);
  return key.ok ? key : fail('validation_failed', `${file}: ${key.error.detail}`, 'vendorKey');
}

/** The installed vendor key; `undefined` when none is installed. */
export function installedVendorKey(configDir: string): Result<VendorKey | undefined> {
  const path = vendorKeyPath(configDir);
  try {
    statSync(path);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT' || code === 'ENOTDIR') return ok(undefined);
  }
  return readVendorKey(path);
}

/**
 * Installs the vendor key once. Another key already installed is replaced only when asked: a new
 * key makes every certificate signed with the old one stop counting.
 */
export function installVendorKey(
  configDir: string,
  key: VendorKey,
  options: { replace?: boolean } = {},
): Result<{ path: string; changed: boolean }> {
  const path = vendorKeyPath(configDir);
  const installed = installedVendorKey(configDir);
  if (installed.ok && installed.value?.kid === key.kid) return ok({ path, changed: false });
  if (installed.ok && installed.value !== undefined && options.replace !== true)
    return fail(
      'validation_failed',
      `${path} already holds the vendor key ${installed.value.kid}; give --replace to install ${key.kid} instead (certificates signed with the old key stop counting)`,
      'vendorKey',
    );
  // Readable by the agent's user, writable by the installer only, whatever the installer's umask.
  if (mkdirSync(configDir, { recursive: true }) !== undefined) chmodSync(configDir, 0o755);
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o644);
  try {
    fchmodSync(fd, 0o644);
    writeFileSync(fd, key.publicKeyPem);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  return ok({ path, changed: true });
}

/**
 * Why a vendor key file may not be the installer's alone: it or its directory owned by someone
 * other than root, or writable by others. Whoever can write it decides which certificates count.
 */
export function vendorKeyFileWarnings(path: string): string[] {
  const warnings: string[] = [];
  for (const [what, file] of [
    ['the vendor key', path],
    ['its directory', dirname(path)],
  ] as const) {
    try {
      const { uid, mode } = statSync(file);
      if (uid !== 0) warnings.push(`${what} ${file} is owned by uid ${uid}, not root`);
      if ((mode & 0o022) !== 0) warnings.push(`${what} ${file} is writable by others than its owner`);
    } catch {
      // Not there: nothing to warn about.
    }
  }
  return warnings;
}

export const installationWarnings = (configDir: string): string[] =>
  vendorKeyFileWarnings(vendorKeyPath(configDir));

/** The vendor keys the agent verifies with, by kid: its installation's, never its state's. */
export class VendorTrust {
  readonly keys: PublicKeys;

  constructor(vendorKeys: readonly VendorKey[] = []) {
    this.keys = new Map(vendorKeys.map((key) => [key.kid, publicKeyFromPem(key.publicKeyPem)]));
  }

  /** Refuses, before anything is asked of the service, what the agent could not verify. */
  require(): Result<void> {
    return this.keys.size > 0 ? ok(undefined) : fail('vendor_key_missing', noVendorKeyMessage());
  }
}
