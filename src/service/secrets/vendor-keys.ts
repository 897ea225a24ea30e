import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { keyIdOf } from '../../domain/certificate.js';
import type { Database } from '../store/database.js';
import { makePrivateFolder } from './private-files.js';

/** The vendor's secrets in the data directory. Several service instances share them through it. */
export interface VendorKeys {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  /** Encrypts license keys at rest so their owner can read them again. */
  dataKey: Buffer;
  /** True when this start made the signing key. */
  created: boolean;
}

/**
 * Writes `contents` to `path` only if it does not exist: written in full and synced to a temporary
 * file, then linked into place, which fails if another process got there first. No reader ever
 * sees half a key, and of processes starting together all end up with the same one.
 */
function createOnce(path: string, contents: () => string | Buffer): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeFileSync(fd, contents());
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

export function loadOrCreateVendorKeys(dataDir: string): VendorKeys {
  makePrivateFolder(dataDir);
  const signingPath = join(dataDir, 'signing-key.pem');
  const dataKeyPath = join(dataDir, 'data-key');
  const created = createOnce(signingPath, () =>
    generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }),
  );
  createOnce(dataKeyPath, () => randomBytes(32).toString('base64'));

  const privateKey = createPrivateKey(readFileSync(signingPath));
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`${signingPath} is not an Ed25519 private key`);
  const publicKey = createPublicKey(privateKey);
  const dataKey = Buffer.from(readFileSync(dataKeyPath, 'utf8').trim(), 'base64');
  if (dataKey.length !== 32) throw new Error(`${dataKeyPath} must hold 32 bytes in base64`);
  return {
    kid: keyIdOf(publicKey),
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    dataKey,
    created,
  };
}

/**
 * Writes the public key beside the signing key as `vendor.pem`, the file an operator installs on
 * each VPN server (`seatkeeper agent install --vendor-key vendor.pem`). Rewritten whole at each
 * start; returns its path.
 */
export function writeVendorPublicKey(dataDir: string, vendor: Pick<VendorKeys, 'publicKeyPem'>): string {
  const path = join(dataDir, 'vendor.pem');
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, vendor.publicKeyPem, { mode: 0o644 });
  renameSync(temporary, path);
  return path;
}

const dataKeyCheck = (dataKey: Buffer): string =>
  createHmac('sha256', dataKey).update('seatkeeper-data-key-check').digest('hex');

/**
 * Ties the database to the vendor keys of the first instance that used it. An instance started
 * on another data directory would sign with another key and could not read the stored license
 * keys: it refuses to start instead, and says how to fix it.
 */
export async function bindVendorKeys(
  db: Database,
  vendor: VendorKeys,
  dataDir: string,
  now: Date,
): Promise<void> {
  const check = dataKeyCheck(vendor.dataKey);
  await db
    .insertInto('vendor_keys')
    .values({
      id: 'vendor',
      kid: vendor.kid,
      public_key_pem: vendor.publicKeyPem,
      data_key_check: check,
      created_at: now.getTime(),
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
  const bound = await db
    .selectFrom('vendor_keys')
    .select(['kid', 'data_key_check'])
    .executeTakeFirstOrThrow();
  if (bound.kid !== vendor.kid || bound.data_key_check !== check) {
    const what =
      bound.kid !== vendor.kid
        ? `signs with ${bound.kid}, but ${dataDir} holds ${vendor.kid}`
        : `uses another data key than ${dataDir}`;
    throw new Error(
      `this database belongs to another vendor key set: it ${what}. Start every instance on the same data directory, or on copies of its signing-key.pem and data-key.`,
    );
  }
}
