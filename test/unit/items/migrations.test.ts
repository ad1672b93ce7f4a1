import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Migration, Migrator, sql } from 'kysely';
import { openDatabase } from '../../../src/db/database.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import { itemMigrations } from '../../../src/items/migrations/index.js';
import { createItem, deleteItem, itemStore, updateItem } from '../../../src/items/repository/items.js';
import { freshDatabase, postgresAvailable } from '../../helpers/backends.js';

// Migration 007 (SQLite): the change log's seq without AUTOINCREMENT, its entries kept as they were.
// Migration 008 (PostgreSQL): the product index becomes (product, id), and back.

/** The migrations up to and including `last`. */
const upTo = (all: Record<string, Migration>, last: string) =>
  Object.fromEntries(Object.entries(all).filter(([name]) => name <= last));

type Change = { seq: number; item_id: number; version: number; kind: string; product: string; price: number };

test('007 keeps every change-log entry, and seqs keep increasing from the highest (sqlite)', async (t) => {
  const database = await openDatabase(await freshDatabase(t, 'sqlite'));
  t.after(() => database.close());
  const all = itemMigrations('sqlite');
  const upTo006 = upTo(all, '006_create_item_changes');
  const upTo007 = upTo(all, '007_item_changes_without_autoincrement');
  await migrateToLatest(database, upTo006);
  const store = itemStore(database);
  const a = await createItem(store, { product: 'Apple', price: 1 });
  const b = await createItem(store, { product: 'Pear', price: 2 });
  await updateItem(store, a.id, { price: 3 });
  await deleteItem(store, b.id);
  const changes = () =>
    sql<Change>`select seq, item_id, version, kind, product, price from item_changes order by seq`
      .execute(database.db)
      .then((result) => result.rows);
  const tableSql = async () =>
    (await sql<{ sql: string }>`select sql from sqlite_master where name = 'item_changes'`.execute(database.db)).rows[0]
      ?.sql;
  const before = await changes();
  assert.equal(before.length, 4);
  assert.match((await tableSql()) ?? '', /autoincrement/i);

  assert.deepEqual(await migrateToLatest(database, upTo007), ['007_item_changes_without_autoincrement']);
  assert.doesNotMatch((await tableSql()) ?? '', /autoincrement/i);
  assert.deepEqual(await changes(), before, 'every entry kept, seq and all');
  const triggers = await sql<{
    name: string;
  }>`select name from sqlite_master where type = 'trigger' order by name`.execute(database.db);
  assert.deepEqual(
    triggers.rows.map((row) => row.name),
    ['item_changes_delete', 'item_changes_insert', 'item_changes_update'],
  );
  await updateItem(store, a.id, { price: 4 });
  const after = await changes();
  assert.deepEqual(after.at(-1), { seq: 5, item_id: a.id, version: 3, kind: 'updated', product: 'Apple', price: 4 });

  const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => upTo007 } });
  const { error } = await migrator.migrateDown();
  assert.equal(error, undefined);
  assert.match((await tableSql()) ?? '', /autoincrement/i, 'down brings AUTOINCREMENT back');
  assert.deepEqual(await changes(), after);
});

test('008 replaces the product index by (product, id) on PostgreSQL, also when built beforehand; down brings it back', {
  skip: postgresAvailable ? false : 'PostgreSQL is not available',
}, async (t) => {
  const database = await openDatabase(await freshDatabase(t, 'postgres'));
  t.after(() => database.close());
  const all = itemMigrations('postgres');
  const productIndexes = async () =>
    (
      await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes
        where tablename = 'items'
          and indexname in ('items_product_idx', 'items_product_id_idx', 'items_product_c_id_idx')
        order by indexname`.execute(database.db)
    ).rows.map((row) => row.indexdef.replace(/^.* USING /, `${row.indexname} `));
  await migrateToLatest(database, upTo(all, '007_item_changes_without_autoincrement'));
  // As an operator may do beforehand (DEPLOY.md), without holding writes: 008 then only drops the old one.
  await sql`create index concurrently items_product_id_idx on items (product, id)`.execute(database.db);
  assert.deepEqual(await migrateToLatest(database, all), ['008_product_id_index_on_postgres']);
  assert.deepEqual(await productIndexes(), [
    'items_product_c_id_idx btree (product COLLATE "C", id)',
    'items_product_id_idx btree (product, id)',
  ]);
  const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => all } });
  assert.equal((await migrator.migrateDown()).error, undefined);
  assert.deepEqual(await productIndexes(), [
    'items_product_c_id_idx btree (product COLLATE "C", id)',
    'items_product_idx btree (product)',
  ]);
});
