import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type KyselyPlugin, sql } from 'kysely';
import { type DirectRead, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createQueryCache } from '../../src/db/query-cache.js';
import { createItemStore, STALE } from '../../src/items/store.js';
import { createPostgresDatabase, postgresAvailable, tempDir } from '../helpers/backends.js';

// The hot queries are compiled once per shape (src/db/query-cache.ts). A plugin counts how often
// Kysely compiles: the second call of each shape must not compile again, and give right results.
test('hot store queries compile once per shape and stay correct', async (t) => {
  const database = await openDatabase({ kind: 'sqlite', path: join(tempDir(t), 'db.sqlite3') });
  t.after(() => database.close());
  await migrateToLatest(database);
  let compiles = 0;
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      compiles++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const store = createItemStore(database.db.withPlugin(counter), 'sqlite');

  const twice = async <T>(run: () => Promise<T>): Promise<[T, T, number]> => {
    const before = compiles;
    const first = await run();
    const afterFirst = compiles;
    const second = await run();
    assert.equal(compiles, afterFirst, 'the second call of a shape compiles nothing');
    return [first, second, afterFirst - before];
  };

  const [a, b] = await twice(() => store.create({ product: 'Apple', price: 1 }));
  assert.deepEqual(
    [a, b],
    [
      { id: 1, product: 'Apple', price: 1, version: 1 },
      { id: 2, product: 'Apple', price: 1, version: 1 },
    ],
  );
  const [g1, g2] = await twice(() => store.get(2));
  assert.deepEqual(g1, { id: 2, product: 'Apple', price: 1, version: 1 });
  assert.deepEqual(g2, g1);
  assert.equal(await store.get(1, { product: 'Pear' }), undefined);
  assert.equal((await store.get(1, { product: 'Apple' }))?.id, 1);

  const [u1, u2] = await twice(() => store.update(1, { product: 'Pear', price: 5 }));
  assert.deepEqual(u1, { id: 1, product: 'Pear', price: 5, version: 2 });
  assert.deepEqual(u2, { id: 1, product: 'Pear', price: 5, version: 3 });
  assert.equal(await store.update(1, { price: 6 }, 2), STALE, 'a stale version changes nothing');
  assert.deepEqual(await store.update(1, { price: 6 }, 3), { id: 1, product: 'Pear', price: 6, version: 4 });

  const chunk = async () => {
    const chunks = [];
    for await (const rows of store.listInChunks({ product: 'Apple' }, [], 10)) chunks.push(rows);
    return chunks;
  };
  const [c1, c2] = await twice(chunk);
  assert.deepEqual(c1, [[{ id: 2, product: 'Apple', price: 1, version: 1 }]]);
  assert.deepEqual(c2, c1);
  assert.deepEqual(
    (await store.list({ search: ['pe'] })).map((item) => item.id),
    [1],
  );
});

// With the direct read path (directRead), cached reads skip Kysely's executor; writes, even
// those with RETURNING, must still go through the group commit: one commit for a turn's writes.
test('with directRead on SQLite, cached reads run directly and cached writes still share one commit', async (t) => {
  const path = join(tempDir(t), 'db.sqlite3');
  const database = await openDatabase({ kind: 'sqlite', path });
  t.after(() => database.close());
  await migrateToLatest(database);
  const store = createItemStore(database.db, 'sqlite', database.directRead);
  await store.create({ product: 'Warm', price: 1 }); // compiles the shape: later creates are cached
  await store.update(1, { product: 'Warm', price: 2 });
  const walSize = () => statSync(`${path}-wal`).size;
  const before = walSize();
  const created = await Promise.all(Array.from({ length: 10 }, (_, i) => store.create({ product: 'Pear', price: i })));
  const updated = await Promise.all(created.map((item) => store.update(item.id, { product: 'Pear', price: 99 })));
  const pageSize = (await sql<{ page_size: number }>`pragma page_size`.execute(database.db)).rows[0]?.page_size ?? 0;
  const frames = (walSize() - before) / (24 + pageSize);
  assert.ok(
    frames <= 8,
    `twenty writes in two turns wrote ${frames} WAL frames; one commit per write writes 20 or more`,
  );
  assert.deepEqual(
    updated.map((item) => item && typeof item === 'object' && [item.price, item.version]),
    Array.from({ length: 10 }, () => [99, 2]),
  );
  assert.deepEqual(await store.get(created[9]?.id ?? 0), { id: 11, product: 'Pear', price: 99, version: 2 });
});

test('directRead on PostgreSQL answers a select, declines a write, and the store gives the same items', {
  skip: !postgresAvailable && 'PostgreSQL is not reachable',
}, async (t) => {
  const { url, drop } = await createPostgresDatabase();
  t.after(drop);
  const database = await openDatabase({
    kind: 'postgres',
    url,
    poolSize: 2,
    statementTimeoutMs: 5000,
    connectTimeoutMs: 5000,
  });
  t.after(() => database.close());
  await migrateToLatest(database);
  assert.equal(database.directRead("insert into items (product, price) values ('x', 1)", []), undefined);
  assert.deepEqual(await database.directRead('select count(*)::int as n from items where price > $1', [0]), [{ n: 0 }]);
  let directReads = 0;
  const counted: DirectRead = (sql, parameters) => {
    const rows = database.directRead(sql, parameters);
    if (rows) directReads++;
    return rows;
  };
  const direct = createItemStore(database.db, 'postgres', counted);
  const throughKysely = createItemStore(database.db, 'postgres');
  const created = await direct.create({ product: 'Fig', price: 3 });
  assert.deepEqual(created, { id: 1, product: 'Fig', price: 3, version: 1 });
  for (let i = 0; i < 2; i++) {
    // from the second call of a shape on, the read is cached and takes the direct path
    assert.deepEqual(await direct.get(1), created);
    assert.deepEqual(await direct.get(1, { product: 'Pear' }), undefined);
    assert.deepEqual(await direct.get(1), await throughKysely.get(1));
  }
  assert.equal(directReads, 4, 'every get after the first of its shape ran directly; the create did not');
});

// Shapes come from requests (filters, search terms): the cache must stay bounded, and a query
// that fails must not leave its SQL behind.
test('the query cache keeps only shapes whose query succeeded, and at most 256 of them', async (t) => {
  const database = await openDatabase({ kind: 'sqlite', path: join(tempDir(t), 'db.sqlite3') });
  t.after(() => database.close());
  await migrateToLatest(database);
  let compiles = 0;
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      compiles++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const db = database.db.withPlugin(counter);
  const run = createQueryCache(db as never);
  const failing = () => db.selectFrom('no_such_table' as 'items').select('id');
  await assert.rejects(run('bad', [], failing));
  await assert.rejects(run('bad', [], failing));
  assert.equal(compiles, 2, 'a failed query is compiled again: its SQL was not kept');

  const byId = (id: number) => () => db.selectFrom('items').select('id').where('id', '=', id);
  for (let i = 0; i < 300; i++) await run(`shape${i}`, [i], byId(i));
  const afterFill = compiles;
  await run('shape299', [299], byId(299));
  assert.equal(compiles, afterFill, 'a recent shape is still cached');
  await run('shape0', [0], byId(0));
  assert.equal(compiles, afterFill + 1, 'the oldest shapes went out (256 kept)');
});
