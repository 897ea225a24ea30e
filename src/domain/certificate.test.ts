import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type CertificatePayload,
  checkBinding,
  keyIdOf,
  type LicenseCertificate,
  publicKeyFromPem,
  signCertificate,
  verifyCertificate,
} from './certificate.js';
import { fingerprintOf, type MachineProperties } from './fingerprint.js';

const vendor = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const KID = keyIdOf(vendor.publicKey);
const pinned: ReadonlyMap<string, KeyObject> = new Map([[KID, vendor.publicKey]]);

const machineProperties: MachineProperties = {
  machineId: 'machine-1',
  hostname: 'vpn-1.example.net',
  macs: ['02:00:00:00:01:01'],
  cpu: 'Test CPU @ 2.0GHz',
  os: 'Linux x64 debian 12',
};
const machine = fingerprintOf(machineProperties);
const SERVER = 'srv_01k0000000000000000000000a';
const PREFIX = 'License error: machine properties validation failed: verify fail: ';

const payload = (overrides: Partial<CertificatePayload> = {}): CertificatePayload => ({
  format: 'seatkeeper-license-certificate/1',
  kid: KID,
  licenseId: 'lic_01k0000000000000000000000b',
  keyHint: 'ZZZK',
  kind: 'fixed',
  seats: 10,
  starts: '2026-11-23T12:00:00.000Z',
  ends: '2027-11-23T12:00:00.000Z',
  serverId: SERVER,
  fingerprint: { digest: machine.digest, properties: { ...machine.properties } },
  nonce: 'n0nce-123',
  issuedAt: '2026-11-23T12:00:00.000Z',
  expiresAt: '2026-12-23T12:00:00.000Z',
  ...overrides,
});

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function expectInvalid(
  candidate: unknown,
  detail?: RegExp,
  keys: ReadonlyMap<string, KeyObject> = pinned,
): void {
  let result: ReturnType<typeof verifyCertificate> | undefined;
  expect(() => {
    result = verifyCertificate(candidate, keys);
  }).not.toThrow();
  expect(result?.ok).toBe(false);
  if (result && !result.ok) {
    expect(result.error.code).toBe('certificate_invalid');
    if (detail) expect(result.error.detail).toMatch(detail);
  }
}

describe('keyIdOf', () => {
  it('is kid_ and 16 hex characters', () => {
    expect(KID).toMatch(/^kid_[0-9a-f]{16}$/);
  });

  it('is stable for the same key, however it was loaded', () => {
    expect(keyIdOf(vendor.publicKey)).toBe(KID);
    const pem = vendor.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(keyIdOf(publicKeyFromPem(pem))).toBe(KID);
    expect(keyIdOf(createPublicKey(vendor.privateKey))).toBe(KID);
  });

  it('differs between keys', () => {
    expect(keyIdOf(stranger.publicKey)).not.toBe(KID);
  });
});

describe('signCertificate and verifyCertificate', () => {
  it('verifies what it signed', () => {
    const certificate = signCertificate(payload(), vendor.privateKey);
    expect(certificate.signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(verifyCertificate(certificate, pinned)).toEqual({ ok: true, value: payload() });
  });

  it('verifies a certificate that went through JSON and came back with its keys in another order', () => {
    const certificate = signCertificate(payload(), vendor.privateKey);
    const reordered = Object.fromEntries(Object.entries(clone(certificate.payload)).reverse());
    const result = verifyCertificate({ signature: certificate.signature, payload: reordered }, pinned);
    expect(result.ok).toBe(true);
  });

  it.each<[string, (p: CertificatePayload) => void]>([
    ['seats raised', (p) => (p.seats = 1000)],
    ['term extended', (p) => (p.ends = '2099-11-23T12:00:00.000Z')],
    ['certificate expiry extended', (p) => (p.expiresAt = '2099-12-23T12:00:00.000Z')],
    ['server changed', (p) => (p.serverId = 'srv_other')],
    ['fingerprint swapped', (p) => (p.fingerprint.digest = 'f'.repeat(64))],
    ['nonce changed', (p) => (p.nonce = 'replayed')],
  ])('rejects a payload edited by hand (%s)', (_, edit) => {
    const certificate = clone(signCertificate(payload(), vendor.privateKey));
    edit(certificate.payload);
    expectInvalid(certificate, /signature does not verify/);
  });

  it('rejects a signature that was edited', () => {
    const certificate = signCertificate(payload(), vendor.privateKey);
    const first = certificate.signature[0] === 'A' ? 'B' : 'A';
    expectInvalid(
      { ...certificate, signature: `${first}${certificate.signature.slice(1)}` },
      /does not verify/,
    );
  });

  it('rejects a certificate signed by another key claiming the pinned kid', () => {
    const forged = signCertificate(payload(), stranger.privateKey);
    expectInvalid(forged, /signature does not verify/);
  });

  it('rejects a certificate signed by a key that is not pinned', () => {
    const strangerKid = keyIdOf(stranger.publicKey);
    const foreign = signCertificate(payload({ kid: strangerKid }), stranger.privateKey);
    expectInvalid(foreign, new RegExp(`signed by ${strangerKid}, which is not a pinned vendor key`));
    // The same certificate verifies once its key is pinned.
    expect(verifyCertificate(foreign, new Map([[strangerKid, stranger.publicKey]])).ok).toBe(true);
  });

  it('rejects everything when no key is pinned', () => {
    expectInvalid(signCertificate(payload(), vendor.privateKey), /not a pinned vendor key/, new Map());
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'certificate'],
    ['an array', [1, 2]],
    ['an empty object', {}],
    ['a payload alone', payload()],
    ['a signature alone', { signature: 'abc' }],
    ['a null payload', { payload: null, signature: 'abc' }],
    ['a numeric signature', { payload: payload(), signature: 123 }],
  ])('rejects garbage without throwing: %s', (_, candidate) => {
    expectInvalid(candidate, /damaged or not a Seatkeeper license certificate/);
  });

  it.each<[string, (p: Record<string, unknown>) => void]>([
    ['an extra payload field', (p) => (p.admin = true)],
    ['an extra fingerprint field', (p) => ((p.fingerprint as Record<string, unknown>).extra = 'x')],
    [
      'an extra fingerprint property',
      (p) =>
        ((p.fingerprint as { properties: object }).properties = {
          ...machine.properties,
          gpu: 'a'.repeat(64),
        }),
    ],
    ['a missing field', (p) => delete p.nonce],
    ['another format', (p) => (p.format = 'seatkeeper-license-certificate/2')],
    ['another kind', (p) => (p.kind = 'subscription')],
    ['zero seats', (p) => (p.seats = 0)],
    ['fractional seats', (p) => (p.seats = 1.5)],
    ['seats as a string', (p) => (p.seats = '10')],
    ['a date without milliseconds', (p) => (p.ends = '2027-11-23T12:00:00Z')],
    ['a date with an offset', (p) => (p.starts = '2026-11-23T12:00:00.000+01:00')],
    [
      'an upper-case digest',
      (p) => ((p.fingerprint as { digest: string }).digest = machine.digest.toUpperCase()),
    ],
    ['a short digest', (p) => ((p.fingerprint as { digest: string }).digest = 'abc')],
  ])('rejects a wrong shape even when properly signed: %s', (_, edit) => {
    const bad = clone(payload()) as unknown as Record<string, unknown>;
    edit(bad);
    // Signed over the bad payload with the vendor key: only the shape check can catch it.
    const certificate = signCertificate(bad as unknown as CertificatePayload, vendor.privateKey);
    expectInvalid(certificate, /damaged or not a Seatkeeper license certificate/);
  });

  it('rejects an extra top-level field', () => {
    const certificate = signCertificate(payload(), vendor.privateKey);
    expectInvalid({ ...certificate, note: 'hi' }, /damaged/);
  });

  it('rejects signatures that are not Ed25519 signatures without throwing', () => {
    const certificate = signCertificate(payload(), vendor.privateKey);
    for (const signature of ['', 'abc', '!!!not base64!!!', 'A'.repeat(200)]) {
      expectInvalid({ ...certificate, signature } satisfies LicenseCertificate, /does not verify/);
    }
  });
});

describe('checkBinding', () => {
  it('accepts the right server and machine and returns the grant with Date fields', () => {
    const evaluation = checkBinding(payload(), SERVER, fingerprintOf(machineProperties));
    expect(evaluation).toEqual({
      valid: true,
      grant: {
        licenseId: 'lic_01k0000000000000000000000b',
        keyHint: 'ZZZK',
        seats: 10,
        starts: new Date('2026-11-23T12:00:00.000Z'),
        ends: new Date('2027-11-23T12:00:00.000Z'),
        certificateExpiresAt: new Date('2026-12-23T12:00:00.000Z'),
      },
    });
    if (evaluation.valid) {
      expect(evaluation.grant.starts).toBeInstanceOf(Date);
      expect(evaluation.grant.ends).toBeInstanceOf(Date);
      expect(evaluation.grant.certificateExpiresAt).toBeInstanceOf(Date);
    }
  });

  it('accepts the same machine reported with MACs reordered and the hostname in upper case', () => {
    const again = fingerprintOf({
      ...machineProperties,
      hostname: 'VPN-1.EXAMPLE.NET',
      macs: ['00:00:00:00:00:00', '02:00:00:00:01:01'],
    });
    expect(checkBinding(payload(), SERVER, again).valid).toBe(true);
  });

  it('rejects another server id, naming both', () => {
    const evaluation = checkBinding(payload(), 'srv_another', machine);
    expect(evaluation).toEqual({
      valid: false,
      code: 'fingerprint_mismatch',
      reason: `${PREFIX}the license was activated on server ${SERVER}, not srv_another`,
    });
  });

  it('rejects another machine, naming the differing property', () => {
    const other = fingerprintOf({ ...machineProperties, hostname: 'vpn-2.example.net' });
    const evaluation = checkBinding(payload(), SERVER, other);
    expect(evaluation.valid).toBe(false);
    if (evaluation.valid) return;
    expect(evaluation.code).toBe('fingerprint_mismatch');
    expect(evaluation.reason.startsWith(PREFIX)).toBe(true);
    expect(evaluation.reason).toBe(`${PREFIX}hostname differs from the machine the license was activated on`);
  });

  it('names every differing property of a cloned disk on new hardware', () => {
    const other = fingerprintOf({ ...machineProperties, macs: ['02:00:00:00:09:09'], cpu: 'Other CPU' });
    const evaluation = checkBinding(payload(), SERVER, other);
    expect(evaluation.valid).toBe(false);
    if (evaluation.valid) return;
    expect(evaluation.reason).toBe(
      `${PREFIX}network interface MACs and CPU model differ from the machine the license was activated on`,
    );
  });
});
