import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyIdOf } from '../../domain/certificate.js';

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
 * Writes `contents` only if the file does not exist yet (exclusive create), so two processes
 * starting together agree on one key: the loser reads the winner's.
 */
function createOnce(path: string, contents: () => string | Buffer): boolean {
  try {
    writeFileSync(path, contents(), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

export function loadOrCreateVendorKeys(dataDir: string): VendorKeys {
  mkdirSync(dataDir, { recursive: true });
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
