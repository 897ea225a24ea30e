import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { createAccount } from '../../src/service/accounts/operations.js';
import type { Principal } from '../../src/service/auth/principal.js';
import type { ServiceContext } from '../../src/service/context.js';
import { createDraft, type DraftInput, finalizeIn } from '../../src/service/invoices/operations.js';
import { issuingAs } from '../../src/service/invoices/seller.js';
import type { InvoiceView } from '../../src/service/invoices/views.js';
import type { Database } from '../../src/service/store/database.js';
import { inTransaction } from '../../src/service/store/transaction.js';

/** An account and its owner and a member, as principals. */
export async function billedAccount(
  ctx: ServiceContext,
  name = 'Acme GmbH',
): Promise<{ accountId: string; owner: Principal; ownerToken: string }> {
  const created = await createAccount(ctx, {
    email: `billing-${randomBytes(4).toString('hex')}@acme.example`,
    name,
  });
  if (!created.ok) throw new Error(created.error.detail);
  const accountId = created.value.account.id;
  const owner = await ctx.store.db
    .selectFrom('users')
    .select('id')
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return {
    accountId,
    owner: { kind: 'account', userId: owner.id, accountId, role: 'owner' },
    ownerToken: created.value.ownerToken,
  };
}

/** A draft of 10 connections at 12.00 plus 19% tax, unless told otherwise. */
export async function draftFor(
  ctx: ServiceContext,
  accountId: string,
  overrides: Partial<DraftInput> = {},
): Promise<InvoiceView> {
  const drafted = await createDraft(ctx, {
    accountId,
    currency: 'EUR',
    lines: [
      { description: 'Access Server, 10 connections, 1 year', quantity: 10, unitAmount: 1200, amount: 12000 },
    ],
    subtotal: 12000,
    tax: 2280,
    total: 14280,
    taxRate: 190_000,
    actor: 'usr_staff',
    ...overrides,
  });
  if (!drafted.ok) throw new Error(drafted.error.detail);
  return drafted.value;
}

class ForcedRollback extends Error {}

/**
 * Finalizes `draftId` in a transaction that takes its number and then fails, as a finalization
 * whose transaction breaks after numbering would: `whileHeld` runs while the number is taken and
 * its counter row locked. Returns the number that was taken and given back.
 */
export async function finalizeThenRollBack(
  ctx: ServiceContext,
  draftId: string,
  whileHeld: (tx: Database) => Promise<void>,
): Promise<number> {
  let taken: number | undefined;
  await inTransaction(ctx.store.db, async (tx) => {
    const finalized = await finalizeIn(
      tx,
      { id: draftId, actor: 'usr_staff', ...issuingAs(ctx) },
      ctx.clock.now(),
    );
    if (!finalized.ok) throw new Error(finalized.error.detail);
    taken = finalized.value.sequence ?? undefined;
    await whileHeld(tx);
    throw new ForcedRollback('rolled back on purpose after taking a number');
  }).catch((error: unknown) => {
    if (!(error instanceof ForcedRollback)) throw error;
  });
  if (taken === undefined) throw new Error('the forced finalization took no number');
  return taken;
}

/**
 * PostgreSQL: resolves once `atLeast` other sessions wait for a lock this transaction holds (the
 * counter row), asking the server at each round trip on a connection of its own (the store's pool
 * may be all taken by the waiting ones). SQLite has one writer: there is nothing to wait for.
 */
export async function othersBlockedBy(
  databaseUrl: string | undefined,
  tx: Database,
  atLeast: number,
): Promise<void> {
  if (databaseUrl === undefined) return;
  const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
  const pid = rows[0]?.pid;
  const watcher = new pg.Client({ connectionString: databaseUrl });
  await watcher.connect();
  try {
    for (let asked = 0; asked < 10_000; asked++) {
      const blocked = await watcher.query<{ count: number }>(
        'select count(*)::int as count from pg_stat_activity where $1::int = any(pg_blocking_pids(pid))',
        [pid],
      );
      if ((blocked.rows[0]?.count ?? 0) >= atLeast) return;
    }
    throw new Error(`no ${atLeast} sessions came to wait on the counter row`);
  } finally {
    await watcher.end();
  }
}
