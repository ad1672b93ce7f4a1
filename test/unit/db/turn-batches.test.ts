import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { type Database, openDatabase } from '../../../src/db/database.js';
import { batchingByTurn, MAX_BATCH } from '../../../src/db/turn-batches.js';
import {
  getItem,
  type ItemStore,
  insertItem,
  itemStore,
  STALE,
  updateItem,
} from '../../../src/items/repository/items.js';
import { migrate } from '../../../src/migrations.js';
import { freshDatabase, postgresAvailable } from '../../helpers/backends.js';
import { waitFor } from '../../helpers/wait.js';

// On PostgreSQL the statements of one turn that share a text go to the database together
// (db/turn-batches.ts): inserts as one statement, others as runs of one statement in one round
// trip, in one transaction. Rows written by one transaction share its id (xmin), so the database
// itself tells how many went together.

const skip = postgresAvailable ? false : 'PostgreSQL is not available';

async function openPostgres(t: import('node:test').TestContext): Promise<Database> {
  const database = await openDatabase(await freshDatabase(t, 'postgres'));
  t.after(() => database.close());
  await migrate(database);
  return database;
}

/** How many transactions wrote the items table's rows. */
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

test(`a turn's inserts go in statements of at most ${MAX_BATCH} rows (postgres)`, { skip }, async (t) => {
  const database = await openPostgres(t);
  const store = itemStore(database);
  const count = MAX_BATCH + 3;
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

test('inserts that return nothing are batched too; with a constant in their row, each runs alone (postgres)', {
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

test('updates of one turn go in one round trip; each caller gets its own answer (postgres)', { skip }, async (t) => {
  const database = await openPostgres(t);
  const store = itemStore(database);
  const items = [];
  for (let i = 0; i < 4; i++) items.push(await insertItem(store, { product: `Item ${i}`, price: i }));
  assert.equal(await writers(database), 4);

  const [first, second, third, fourth] = items as [
    (typeof items)[0],
    (typeof items)[0],
    (typeof items)[0],
    (typeof items)[0],
  ];
  const answers = await Promise.all([
    updateItem(store, first.id, { price: 100 }),
    updateItem(store, second.id, { price: 200 }),
    updateItem(store, 999, { price: 300 }),
    updateItem(store, third.id, { price: third.price }),
    updateItem(store, fourth.id, { price: 400 }, { expectedVersion: 7 }),
  ]);
  assert.deepEqual(
    answers.map((answer) =>
      answer === STALE ? 'stale' : answer === undefined ? 'missing' : [answer.id, answer.price, answer.version],
    ),
    [[first.id, 100, 2], [second.id, 200, 2], 'missing', [third.id, third.price, 1], 'stale'],
  );
  assert.equal(await writers(database), 3, 'the two changed rows were written together');
  const reads = await Promise.all(items.map((item) => getItem(store, item.id)));
  assert.deepEqual(
    reads.map((item) => item?.price),
    [100, 200, third.price, fourth.price],
    'reads of one turn: each its own row',
  );
});

test('an update the database refuses fails alone; the rest of its turn is written (postgres)', { skip }, async (t) => {
  const database = await openPostgres(t);
  const store = itemStore(database);
  const apple = await insertItem(store, { product: 'Apple', price: 1 });
  const pear = await insertItem(store, { product: 'Pear', price: 2 });
  const results = await Promise.allSettled([
    updateItem(store, apple.id, { price: 10 }),
    updateItem(store, pear.id, { price: -1 }),
  ]);
  assert.equal(results[0]?.status, 'fulfilled');
  assert.match(String((results[1] as PromiseRejectedResult).reason), /check constraint/);
  assert.deepEqual([(await getItem(store, apple.id))?.price, (await getItem(store, pear.id))?.price], [10, 2]);
});

test('the writes of a turn are sent in id order, so that two batches never deadlock (postgres)', {
  skip,
}, async (t) => {
  const database = await openPostgres(t);
  const store = itemStore(database);
  const items = [];
  for (let i = 0; i < 3; i++) items.push(await insertItem(store, { product: `Item ${i}`, price: i }));
  const ids = items.map((item) => item.id);
  const [low, middle, high] = ids as [number, number, number];
  await Promise.all([
    updateItem(store, high, { price: 30 }),
    updateItem(store, low, { price: 10 }),
    updateItem(store, high, { price: 31 }),
    updateItem(store, middle, { price: 20 }),
  ]);
  const { rows } = await database.run<{ item_id: number; price: number }>(
    CompiledQuery.raw("select item_id, price from item_changes where kind = 'updated' order by seq"),
  );
  assert.deepEqual(
    rows.map((row) => [row.item_id, row.price]),
    [
      [low, 10],
      [middle, 20],
      [high, 30],
      [high, 31],
    ],
    'ascending ids; two writes of one item in the order they were asked',
  );
  assert.equal(await writers(database), 1, 'one transaction wrote them');
});

// The batching rules alone, over a recording stand-in for the connection (no database needed).

test('a batch lost without an answer from the database fails every caller; one the database refused is retried alone', async () => {
  const calls: Array<{ sql: string; runs: number }> = [];
  let failWith: Error | undefined;
  const run = batchingByTurn(async <R>(sql: string, runs: ReadonlyArray<readonly unknown[]>) => {
    calls.push({ sql, runs: runs.length });
    if (failWith && runs.length > 1) throw failWith;
    return runs.map((values) => ({ rows: [{ value: values[0] } as R] }));
  });
  const read = (value: number) => run<{ value: number }>(CompiledQuery.raw('select $1::int as value', [value]));

  assert.deepEqual(
    (await Promise.all([read(1), read(2)])).map((result) => result.rows),
    [[{ value: 1 }], [{ value: 2 }]],
  );
  assert.deepEqual(calls, [{ sql: 'select $1::int as value', runs: 2 }], 'one round trip for both');

  calls.length = 0;
  failWith = new Error('Connection terminated unexpectedly');
  const lost = await Promise.allSettled([read(1), read(2)]);
  assert.deepEqual(
    lost.map((result) => result.status),
    ['rejected', 'rejected'],
  );
  assert.equal(calls.length, 1, 'not sent again: the batch may have been executed');

  calls.length = 0;
  failWith = Object.assign(new Error('canceling statement due to conflict'), { code: '40001', severity: 'ERROR' });
  assert.deepEqual(
    (await Promise.all([read(3), read(4)])).map((result) => result.rows),
    [[{ value: 3 }], [{ value: 4 }]],
  );
  assert.deepEqual(
    calls.map((call) => call.runs),
    [2, 1, 1],
    'refused by the database: nothing happened, so each runs alone',
  );
});

test('two replicas writing the same rows in opposite orders never deadlock (postgres)', { skip }, async (t) => {
  const config = await freshDatabase(t, 'postgres');
  const replicas = [await openDatabase(config), await openDatabase(config)];
  await migrate(replicas[0] as Database);
  const [one, two] = replicas.map((replica) => itemStore(replica)) as [ItemStore, ItemStore];
  const a = await insertItem(one, { product: 'A', price: 0 });
  const b = await insertItem(one, { product: 'B', price: 0 });

  for (let round = 1; round <= 30; round++) {
    await Promise.all([
      updateItem(one, a.id, { price: round }),
      updateItem(one, b.id, { price: round }),
      updateItem(two, b.id, { price: 1000 + round }),
      updateItem(two, a.id, { price: 1000 + round }),
    ]);
  }
  const prices = [(await getItem(one, a.id))?.price, (await getItem(one, b.id))?.price];
  // A backend reports what it counted when it ends: end the replicas' connections, then read
  // (the observer asks one thing at a time: one connection).
  for (const replica of replicas) await replica.close();
  const observer = await openDatabase(config);
  t.after(() => observer.close());
  const others = CompiledQuery.raw(
    'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  await waitFor(async () => (await observer.run<{ n: number }>(others)).rows[0]?.n === 0, 10_000, 'replicas gone');
  const { rows } = await observer.run<{ n: number }>(
    CompiledQuery.raw('select deadlocks::int as n from pg_stat_database where datname = current_database()'),
  );
  assert.equal(rows[0]?.n, 0, 'deadlocks PostgreSQL detected and broke');
  assert.deepEqual(
    prices.map((price) => (price ?? 0) % 1000),
    [30, 30],
    'the last round wrote both',
  );
});
