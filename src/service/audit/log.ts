import type { AuditEntry } from '../../contract/audit.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../store/database.js';
import type { AuditLogTable, AuditRow } from '../store/schema.js';

/** One change, as the operation that made it describes it (the log shows it as an `AuditEntry`). */
export interface AuditRecord {
  actor: string;
  accountId: string | null;
  entity: AuditLogTable['entity'];
  entityId: string;
  action: string;
  before?: unknown;
  after?: unknown;
}

export type AuditView = AuditEntry;

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/**
 * Appends entries to the audit log, in the transaction of the change they describe: the change
 * and its record commit together or not at all. Nothing ever updates or deletes an entry.
 */
export async function recordAudit(tx: Database, now: Date, entries: readonly AuditRecord[]): Promise<void> {
  if (entries.length === 0) return;
  await tx
    .insertInto('audit_log')
    .values(
      entries.map((entry) => ({
        id: newId('aud', now.getTime()),
        at: now.getTime(),
        actor: entry.actor,
        account_id: entry.accountId,
        entity: entry.entity,
        entity_id: entry.entityId,
        action: entry.action,
        before: json(entry.before),
        after: json(entry.after),
      })),
    )
    .execute();
}

const viewOf = (row: AuditRow): AuditView => ({
  id: row.id,
  at: new Date(row.at).toISOString(),
  actor: row.actor,
  accountId: row.account_id,
  entity: row.entity,
  entityId: row.entity_id,
  action: row.action,
  before: row.before === null ? null : JSON.parse(row.before),
  after: row.after === null ? null : JSON.parse(row.after),
});

export interface AuditFilter {
  entityId?: string | undefined;
  /** One key's history: its own entries and those of its activations (bindings to a server). */
  licenseId?: string | undefined;
  accountId?: string | undefined;
}

export const AUDIT_PAGE_MAX = 1000;

/**
 * One page of entries oldest first, for one thing (`entityId`) or one account, or all of them for
 * staff. `after` is the last entry of the page before; `next` is there when more may follow.
 */
export async function auditPage(
  ctx: ServiceContext,
  filter: AuditFilter & {
    after?: string | undefined;
    /** The page that ends just before this entry (a page back, as the console's "Previous" asks). */
    before?: string | undefined;
    limit?: number | undefined;
  },
): Promise<Result<{ entries: AuditView[]; next: string | null }>> {
  const limit = Math.min(filter.limit ?? AUDIT_PAGE_MAX, AUDIT_PAGE_MAX);
  const backwards = filter.before !== undefined && filter.after === undefined;
  let query = ctx.store.db
    .selectFrom('audit_log')
    .select(['seq', 'id', 'at', 'actor', 'account_id', 'entity', 'entity_id', 'action', 'before', 'after'])
    .orderBy('seq', backwards ? 'desc' : 'asc')
    .limit(limit);
  const cursor = filter.after ?? filter.before;
  if (cursor !== undefined) {
    let place = ctx.store.db.selectFrom('audit_log').select('seq').where('id', '=', cursor);
    // Another account's entry is not one to continue from: it answers as an unknown one.
    if (filter.accountId !== undefined) place = place.where('account_id', '=', filter.accountId);
    const previous = await place.executeTakeFirst();
    if (previous === undefined)
      return fail(
        'validation_failed',
        `There is no audit entry ${cursor} to continue from.`,
        backwards ? 'before' : 'after',
      );
    query = query.where('seq', backwards ? '<' : '>', previous.seq);
  }
  if (filter.entityId !== undefined) query = query.where('entity_id', '=', filter.entityId);
  const licenseId = filter.licenseId;
  if (licenseId !== undefined)
    query = query.where((eb) =>
      eb.or([
        eb('entity_id', '=', licenseId),
        eb(
          'entity_id',
          'in',
          eb
            .selectFrom('activations')
            .select('activations.id')
            .where('activations.license_id', '=', licenseId),
        ),
      ]),
    );
  if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
  const rows = await query.execute();
  const entries = (backwards ? rows.reverse() : rows).map(viewOf);
  // Read backwards, more always follows: the entry the page was asked to end before.
  if (backwards) return ok({ entries, next: entries.at(-1)?.id ?? null });
  return ok({ entries, next: entries.length === limit ? (entries.at(-1)?.id ?? null) : null });
}

/** Every entry that matches, oldest first, page by page. */
export async function auditTrail(ctx: ServiceContext, filter: AuditFilter): Promise<AuditView[]> {
  const all: AuditView[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await auditPage(ctx, { ...filter, after });
    if (!page.ok) throw new Error(page.error.detail);
    all.push(...page.value.entries);
    if (page.value.next === null) return all;
    after = page.value.next;
  }
}
