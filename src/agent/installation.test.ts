import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/engines.js';
import { installedVendorKey, installVendorKey, parseVendorKey, type VendorKey } from './installation.js';

const publicPem = (): string =>
  generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();

const vendorKey = (pem = publicPem()): VendorKey => {
  const parsed = parseVendorKey(pem);
  if (!parsed.ok) throw new Error(parsed.error.detail);
  return parsed.value;
};

describe('the agent’s installation: the vendor key it trusts', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('seatkeeper-installation-');
  });
  afterEach(() => dir.remove());

  it('takes an Ed25519 public key only, never the service’s private signing key', () => {
    const pair = generateKeyPairSync('ed25519');
    const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(parseVendorKey(privatePem)).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', detail: expect.stringContaining('this is a private key') },
    });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      format: 'pem',
      type: 'spki',
    });
    expect(parseVendorKey(rsa.toString())).toMatchObject({
      ok: false,
      error: { detail: expect.stringContaining('Ed25519') },
    });
    expect(parseVendorKey('not a key')).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(parseVendorKey(publicPem())).toMatchObject({
      ok: true,
      value: { kid: expect.stringMatching(/^kid_/) },
    });
  });

  it('installs a key once, readable by all and written by its installer; another key only with replace', () => {
    const config = join(dir.path, 'etc-seatkeeper');
    expect(installedVendorKey(config)).toEqual({ ok: true, value: undefined });
    const first = vendorKey();
    expect(installVendorKey(config, first)).toEqual({
      ok: true,
      value: { path: join(config, 'vendor.pem'), changed: true },
    });
    expect(statSync(join(config, 'vendor.pem')).mode & 0o777).toBe(0o644);
    expect(installedVendorKey(config)).toEqual({ ok: true, value: first });
    expect(installVendorKey(config, first)).toMatchObject({ ok: true, value: { changed: false } });

    const second = vendorKey();
    expect(installVendorKey(config, second)).toMatchObject({
      ok: false,
      error: { detail: expect.stringContaining(`already holds the vendor key ${first.kid}; give --replace`) },
    });
    expect(installVendorKey(config, second, { replace: true })).toMatchObject({
      ok: true,
      value: { changed: true },
    });
    expect(readFileSync(join(config, 'vendor.pem'), 'utf8')).toBe(second.publicKeyPem);
  });

  it('finds no key under a path that cannot exist', () => {
    expect(installedVendorKey('/dev/null/seatkeeper')).toEqual({ ok: true, value: undefined });
  });
});
