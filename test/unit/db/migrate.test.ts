import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Kysely, type Migration, sql } from 'kysely';
import { openDatabase } from '../../../src/db/database.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import { backends, freshDatabase } from '../../helpers/backends.js';

// migrateToLatest: Kysely's migrator behind a quick look at what is applied, so that starting on
// an up-to-date database costs two small reads rather than Kysely's lock and catalog reads.

const table = (name: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    await db.schema.createTable(name).addColumn('id', 'integer').execute();
  },
});
const FIRST = { '001_a': table('a') };
const BOTH = { ...FIRST, '002_b': table('b') };

async function tableNames(db: Kysely<unknown>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  return tables.map((found) => found.name).sort();
}

for (const backend of backends) {
  describe(`migrateToLatest (${backend})`, () => {
    test('applies what is pending, in name order, and returns its names', async (t) => {
      const database = await openDatabase(await freshDatabase(t, backend));
      t.after(() => database.close());
      assert.deepEqual(await migrateToLatest(database, FIRST), ['001_a']);
      assert.deepEqual(await migrateToLatest(database, BOTH), ['002_b']);
      assert.deepEqual(await tableNames(database.db as Kysely<unknown>), [
        'a',
        'b',
        'kysely_migration',
        'kysely_migration_lock',
      ]);
    });

    test('an up-to-date database is left alone: not even Kysely’s lock table is looked for', async (t) => {
      const database = await openDatabase(await freshDatabase(t, backend));
      t.after(() => database.close());
      await migrateToLatest(database, BOTH);
      await sql`drop table kysely_migration_lock`.execute(database.db);
      assert.deepEqual(await migrateToLatest(database, BOTH), []);
      assert.deepEqual(await tableNames(database.db as Kysely<unknown>), ['a', 'b', 'kysely_migration']);
    });

    test('a database migrated by a newer release is still refused, as Kysely refuses it', async (t) => {
      const database = await openDatabase(await freshDatabase(t, backend));
      t.after(() => database.close());
      await migrateToLatest(database, BOTH);
      await assert.rejects(migrateToLatest(database, FIRST), /corrupted migrations: .*002_b/);
    });
  });
}
