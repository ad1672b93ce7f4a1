import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { type Database, openDatabase } from '../../../src/db/database.js';
import { MAX_BATCH_ROWS } from '../../../src/db/insert-batches.js';
import { insertItem, itemStore } from '../../../src/items/repository/items.js';
import { migrate } from '../../../src/migrations.js';
import { freshDatabase, postgresAvailable } from '../../helpers/backends.js';

// On PostgreSQL the single-row inserts of one turn go to the database as one statement
// (db/insert-batches.ts). Rows written by one statement share its transaction id (xmin), so the
// database itself tells how many statements wrote them.

const skip = postgresAvailable ? false : 'PostgreSQL is not available';

async function openPostgres(t: import('node:test').TestContext): Promise<Database> {
  const database = await openDatabase(await freshDatabase(t, 'postgres'));
  t.after(() => database.close());
  await migrate(database);
  return database;
}

/** How many transactions wrote the items table's rows: one per statement outside a transaction. */
async function writers(database: Database): Promise<number> {
  const { rows } = await database.run<{ n: number }>(
    CompiledQuery.raw('select count(distinct xmin::text)::int as n from items'),
  );
  return rows[0]?.n ?? 0;
}

test('creates of one turn are one statement, and each caller gets its own row (postgres)', { skip }, async (t) => {
  const database = await openPostgres(t);
  const store = itemStore(database);
  const wanted = Array.from({ length: 5 }, (_, i) => ({ product: `Item ${i}`, price: 100 + i }));
  const created = await Promise.all(wanted.map((fields) => insertItem(store, fields)));

  assert.deepEqual(
    created.map(({ product, price, version }) => ({ product, price, version })),
    wanted.map((fields) => ({ ...fields, version: 1 })),
  );
  assert.equal(new Set(created.map((item) => item.id)).size, 5, 'five different ids');
  const { rows } = await database.run<{ id: number; product: string; price: number }>(
    CompiledQuery.raw('select id, product, price from items order by id'),
  );
  assert.deepEqual(
    rows,
    created.map(({ id, product, price }) => ({ id, product, price })),
    'each caller got the row stored for its values',
  );
  assert.equal(await writers(database), 1, 'one statement wrote all five');

  await insertItem(store, { product: 'Later', price: 1 });
  assert.equal(await writers(database), 2, 'an insert of a later turn is a statement of its own');
});

test(`a turn's inserts go in statements of at most ${MAX_BATCH_ROWS} rows (postgres)`, { skip }, async (t) => {
  const database = await openPostgres(t);
  const store = itemStore(database);
  const count = MAX_BATCH_ROWS + 3;
  const created = await Promise.all(
    Array.from({ length: count }, (_, i) => insertItem(store, { product: `Item ${i}`, price: i })),
  );
  assert.deepEqual(
    created.map((item) => item.price),
    Array.from({ length: count }, (_, i) => i),
  );
  assert.equal(await writers(database), 2);
});

test('a row the database refuses fails only its own insert; the others are written (postgres)', { skip }, async (t) => {
  const database = await openPostgres(t);
  const insert = (product: string, price: number) =>
    database.run(
      CompiledQuery.raw('insert into items (product, product_search, price) values ($1, $2, $3) returning id', [
        product,
        product.toLowerCase(),
        price,
      ]),
    );
  const results = await Promise.allSettled([insert('Apple', 1), insert('Negative', -1), insert('Pear', 2)]);

  assert.deepEqual(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /check constraint/);
  const { rows } = await database.run<{ product: string }>(
    CompiledQuery.raw('select product from items order by product'),
  );
  assert.deepEqual(
    rows.map((row) => row.product),
    ['Apple', 'Pear'],
  );
});

test('inserts that return nothing are batched too; one with a constant in its row is not (postgres)', {
  skip,
}, async (t) => {
  const database = await openPostgres(t);
  const insert = (product: string, price: string) =>
    database.run(
      CompiledQuery.raw(`insert into items (product, product_search, price) values ($1, $2, ${price})`, [
        product,
        product.toLowerCase(),
        ...(price === '$3' ? [5] : []),
      ]),
    );
  const results = await Promise.all([insert('Apple', '$3'), insert('Pear', '$3')]);
  assert.deepEqual(
    results.map((result) => [result.rows, result.numAffectedRows]),
    [
      [[], BigInt(1)],
      [[], BigInt(1)],
    ],
  );
  assert.equal(await writers(database), 1);
  await Promise.all([insert('Fig', '7'), insert('Plum', '7')]);
  assert.equal(await writers(database), 3, 'a constant in the row: each insert alone');
  const counted = await database.run<{ n: number }>(CompiledQuery.raw('select count(*)::int as n from items'));
  assert.equal(counted.rows[0]?.n, 4);
});
