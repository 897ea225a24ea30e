import type { ServiceContext } from '../context.js';

/** A key the account gave to another account: the old account's record, the key itself gone. */
export interface TransferredKey {
  licenseId: string;
  keyHint: string;
  connections: number;
  ends: string;
  transferredAt: string;
  toAccountEmail: string | null;
}

interface AuditedKeyText {
  keyHint?: string;
  connections?: number;
  ends?: string;
  accountId?: string;
}

/**
 * The keys the account transferred out, newest first, from its side of the audit log: a transfer
 * moves the key, so the key list no longer holds it, yet its former owner should see where it went.
 */
export async function transferredKeys(ctx: ServiceContext, accountId: string): Promise<TransferredKey[]> {
  const db = ctx.store.db;
  const rows = await db
    .selectFrom('audit_log')
    .select(['entity_id', 'at', 'after'])
    .where('account_id', '=', accountId)
    .where('entity', '=', 'license')
    .where('action', '=', 'transferred_out')
    .orderBy('seq', 'desc')
    .limit(1000)
    .execute();
  const moved = rows.map((row) => ({ row, after: JSON.parse(row.after ?? '{}') as AuditedKeyText }));
  const targets = [
    ...new Set(moved.flatMap(({ after }) => (after.accountId === undefined ? [] : [after.accountId]))),
  ];
  const emails = new Map(
    targets.length === 0
      ? []
      : (await db.selectFrom('accounts').select(['id', 'email']).where('id', 'in', targets).execute()).map(
          (account) => [account.id, account.email] as const,
        ),
  );
  return moved.map(({ row, after }) => ({
    licenseId: row.entity_id,
    keyHint: after.keyHint ?? '',
    connections: after.connections ?? 0,
    ends: after.ends ?? '',
    transferredAt: new Date(row.at).toISOString(),
    toAccountEmail: after.accountId === undefined ? null : (emails.get(after.accountId) ?? null),
  }));
}
