import { copyFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/clock.js';
import { ENGINES, freshStore, type TestStore, tempDir } from '../../../test/support/engines.js';
import { DEFAULT_POLICY } from '../context.js';
import { openContext, sqlitePathIn } from '../runtime.js';

describe.each(ENGINES)('vendor keys and the database on %s', (engine) => {
  let store: TestStore;
  let other: ReturnType<typeof tempDir>;

  beforeEach(async () => {
    store = await freshStore(engine);
    other = tempDir();
  });
  afterEach(async () => {
    await store.cleanup();
    other.remove();
  });

  const open = (dataDir: string) =>
    openContext(
      { dataDir, databaseUrl: store.databaseUrl, certificateTtlMs: DEFAULT_POLICY.certificateTtlMs },
      new ManualClock(),
    );

  it('lets instances on the same data directory share the database', async () => {
    const first = await open(store.dataDir);
    const second = await open(store.dataDir);
    expect(second.vendor.kid).toBe(first.vendor.kid);
    await first.store.close();
    await second.store.close();
  });

  it('refuses an instance whose data directory holds other keys', async () => {
    await (await open(store.dataDir)).store.close();
    // On SQLite the database lives in the data directory: the same mistake is a copied database file.
    if (engine === 'sqlite') copyFileSync(sqlitePathIn(store.dataDir), sqlitePathIn(other.path));
    await expect(open(other.path)).rejects.toThrow(
      /belongs to another vendor key set: it signs with kid_\w+, but .* holds kid_\w+/,
    );
  });
});
