import { createHash } from 'node:crypto';

/** What a key's certificates say, apart from the server and the instant they are made for. */
export interface CertifiedFacts {
  seats: number;
  starts_at: number;
  ends_at: number;
  revoked_at: number | null;
  ended_reason: string | null;
  failover_of: string | null;
  legacy: number;
  key_hint: string;
}

/**
 * The revision of what a key's certificates say: its connections, term, kind and end. It moves on
 * with a renewal, a replacement or a revocation; a transfer to another account changes none of
 * them, so it asks no agent for a fresh certificate.
 */
export function licenseRevision(row: CertifiedFacts): string {
  const facts = [
    row.seats,
    row.starts_at,
    row.ends_at,
    row.revoked_at,
    row.ended_reason,
    row.failover_of,
    row.legacy,
    row.key_hint,
  ];
  return createHash('sha256').update(JSON.stringify(facts)).digest('base64url').slice(0, 22);
}
