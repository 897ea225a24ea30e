import { generateKeyPairSync } from 'node:crypto';
import {
  type CertificatePayload,
  keyIdOf,
  signCertificate,
  verifyCertificate,
} from '../src/domain/certificate.js';
import { fingerprintOf } from '../src/domain/fingerprint.js';
import { newId } from '../src/domain/ids.js';
import { machine, nonce } from '../test/support/factories.js';
import { measure } from './support.js';

const DAY = 86_400_000;

function payload(kid: string, now: Date): CertificatePayload {
  const later = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
  return {
    format: 'seatkeeper-license-certificate/1',
    kid,
    licenseId: newId('lic', now.getTime()),
    keyHint: 'BNCH',
    kind: 'fixed',
    seats: 10,
    starts: now.toISOString(),
    ends: later(365),
    serverId: newId('srv', now.getTime()),
    fingerprint: fingerprintOf(machine('bench')),
    nonce: nonce(),
    issuedAt: now.toISOString(),
    expiresAt: later(7),
  };
}

/** Signing and verifying (schema check, canonical JSON, Ed25519) one realistic certificate. */
export function benchCertificates(): void {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const signed = payload(keyIdOf(publicKey), new Date());
  const keys = new Map([[signed.kid, publicKey]]);
  const context = { algorithm: 'Ed25519' };
  measure('certificate_signatures_per_second', () => signCertificate(signed, privateKey), context);
  const certificate = signCertificate(signed, privateKey);
  measure(
    'certificate_verifications_per_second',
    () => {
      const verified = verifyCertificate(certificate, keys);
      if (!verified.ok) throw new Error(`certificate did not verify: ${verified.error.detail}`);
    },
    context,
  );
}
