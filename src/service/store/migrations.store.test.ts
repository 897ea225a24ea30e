import { describe, expect, it } from 'vitest';
import { freshPostgresSchema } from '../../../test/support/engines.js';
import { migrate, openStore } from './database.js';

describe.runIf(process.env.DATABASE_URL)('migrations on PostgreSQL (DATABASE_URL set)', () => {
  it('migrates a second schema of one database while another is migrated already', async () => {
    const first = await freshPostgresSchema();
    const second = await freshPostgresSchema();
    const stores = [first, second].map((schema) => openStore({ databaseUrl: schema.url, sqlitePath: '' }));
    try {
      const [one, two] = stores;
      if (one === undefined || two === undefined) throw new Error('two stores');
      const applied = await migrate(one);
      expect(applied.length).toBeGreaterThan(0);
      expect(await migrate(two)).toEqual(applied);
      expect(await migrate(two)).toEqual([]);
      // Each schema has its own tables.
      const count = async () => (await two.db.selectFrom('accounts').select('id').execute()).length;
      expect(await count()).toBe(0);
    } finally {
      for (const store of stores) await store.close();
      await first.drop();
      await second.drop();
    }
  });
});
