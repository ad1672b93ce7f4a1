import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { type CompiledQuery, type KyselyPlugin, sql } from 'kysely';
import { type Database, openDatabase } from '../../../src/db/database.js';
import {
  createItem,
  getItem,
  itemStore,
  listItems,
  listItemsInChunks,
  STALE,
  updateItem,
} from '../../../src/items/repository/items.js';
import { migrate } from '../../../src/migrations.js';
import { backends, freshDatabase, postgresAvailable, tempDir } from '../../helpers/backends.js';

// The items repository over both databases: queries prepared once per shape and right; writes
// run in the group commit on SQLite; an update that changes nothing writes nothing.

/** The database with a Kysely that counts how often a query is built. */
async function counted(t: TestContext, database: Database) {
  t.after(() => database.close());
  await migrate(database);
  const counter = { builds: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      counter.builds++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { store: itemStore({ ...database, db: database.db.withPlugin(plugin) }), counter };
}

for (const backend of backends) {
  test(`every query is built once per shape, and answers right (${backend})`, async (t) => {
    const { store, counter } = await counted(t, await openDatabase(await freshDatabase(t, backend)));
    const twice = async <T>(run: () => Promise<T>): Promise<[T, T]> => {
      const first = await run();
      const built = counter.builds;
      const second = await run();
      assert.equal(counter.builds, built, 'the second run of a shape builds nothing');
      return [first, second];
    };
    const [a, b] = await twice(() => createItem(store, { product: 'Apple', price: 1 }));
    assert.deepEqual(
      [a, b],
      [
        { id: 1, product: 'Apple', price: 1, version: 1 },
        { id: 2, product: 'Apple', price: 1, version: 1 },
      ],
    );
    const [g1, g2] = await twice(() => getItem(store, 2));
    assert.deepEqual(g1, { id: 2, product: 'Apple', price: 1, version: 1 });
    assert.deepEqual(g2, g1);
    assert.equal(await getItem(store, 1, { product: 'Pear' }), undefined);
    assert.equal((await getItem(store, 1, { product: 'Apple' }))?.id, 1);

    const [u1, u2] = await twice(() => updateItem(store, 1, { price: 5 }));
    assert.deepEqual(u1, { id: 1, product: 'Apple', price: 5, version: 2 });
    assert.deepEqual(u2, u1, 'the same value again changes nothing: no new version');
    assert.equal(
      await updateItem(store, 1, { price: 6 }, { expectedVersion: 1 }),
      STALE,
      'a stale version changes nothing',
    );
    assert.deepEqual(await updateItem(store, 1, { product: 'Pear', price: 6 }, { expectedVersion: 2 }), {
      id: 1,
      product: 'Pear',
      price: 6,
      version: 3,
    });
    assert.equal(
      await updateItem(store, 1, { price: 7 }, { filter: { product: 'Apple' } }),
      undefined,
      'outside the filter',
    );
    assert.equal(await updateItem(store, 99, { price: 7 }), undefined);
    const [l1, l2] = await twice(() => listItems(store, { search: ['pe'] }, [{ field: 'price', descending: true }]));
    assert.deepEqual(
      l1.map((item) => item.id),
      [1],
    );
    assert.deepEqual(l2, l1);
  });
}

// Reads run at once, past Kysely's executor; writes, even those with RETURNING, still go through
// the group commit: one commit for a turn's writes.
test('on SQLite, writes made through the repository in one turn share one commit', async (t) => {
  const path = join(tempDir(t), 'db.sqlite3');
  const database = await openDatabase({ kind: 'sqlite', path });
  t.after(() => database.close());
  await migrate(database);
  const store = itemStore(database);
  await createItem(store, { product: 'Warm', price: 1 });
  const walSize = () => statSync(`${path}-wal`).size;
  const before = walSize();
  const created = await Promise.all(
    Array.from({ length: 10 }, (_, i) => createItem(store, { product: 'Pear', price: i })),
  );
  const updated = await Promise.all(created.map((item) => updateItem(store, item.id, { price: 99 })));
  const pageSize = (await sql<{ page_size: number }>`pragma page_size`.execute(database.db)).rows[0]?.page_size ?? 0;
  const frames = (walSize() - before) / (24 + pageSize);
  assert.ok(
    frames <= 12,
    `twenty writes in a few turns wrote ${frames} WAL frames; one commit per write writes 20 or more`,
  );
  assert.deepEqual(
    updated.map((item) => item && typeof item === 'object' && [item.price, item.version]),
    Array.from({ length: 10 }, () => [99, 2]),
  );
});

/** A store over `database` that records each query its fast path (database.run) is given. */
function recordingFastPath(database: Database) {
  const fastRuns: CompiledQuery[] = [];
  const store = itemStore({
    ...database,
    run: (query) => {
      fastRuns.push(query);
      return database.run(query);
    },
  });
  return { store, fastRuns };
}

interface PlanNode {
  'Index Name'?: string;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}
type Explained = { 'QUERY PLAN': Array<{ Plan: PlanNode }> };
const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

// PostgreSQL plans a named statement once for any value (a generic plan). For `?product=`, read
// in id order a chunk at a time, that plan must not walk the primary key and filter every row
// (migration 008); the table is freshly loaded, without statistics, as after a bulk import.
test("a list filtered by product reads only that product's rows, in any plan (postgres)", {
  skip: postgresAvailable ? false : 'PostgreSQL is not available',
}, async (t) => {
  const database = await openDatabase(await freshDatabase(t, 'postgres'));
  t.after(() => database.close());
  await migrate(database);
  await sql`insert into items (product, price, product_search)
    select 'P' || (i % 500), i, 'p' || (i % 500) from generate_series(1, 5000) as i`.execute(database.db);
  const { store, fastRuns } = recordingFastPath(database);
  const chunks = listItemsInChunks(store, { product: 'P7' }, [], 20_000);
  const rows = (await chunks.next()).value as Array<{ id: number }>;
  assert.deepEqual(
    rows.map((row) => row.id),
    Array.from({ length: 10 }, (_, i) => 7 + 500 * i),
  );
  const query = fastRuns.at(-1) as CompiledQuery;
  const plan = await database.db.connection().execute(async (db) => {
    await sql.raw(`prepare chunk as ${query.sql}`).execute(db);
    await sql`set plan_cache_mode = force_generic_plan`.execute(db);
    const values = query.parameters.map((value) => (typeof value === 'string' ? `'${value}'` : String(value)));
    const { rows } = await sql
      .raw<Explained>(`explain (analyze, format json) execute chunk(${values.join(', ')})`)
      .execute(db);
    await sql`deallocate chunk`.execute(db);
    await sql`reset plan_cache_mode`.execute(db);
    return (rows[0] as Explained)['QUERY PLAN'][0]?.Plan as PlanNode;
  });
  const nodes = planNodes(plan);
  assert.ok(
    nodes.some((node) => node['Index Name'] === 'items_product_id_idx'),
    `read by the (product, id) index: ${JSON.stringify(plan)}`,
  );
  const removed = nodes.reduce((sum, node) => sum + (node['Rows Removed by Filter'] ?? 0), 0);
  assert.equal(removed, 0, `no row read only to be filtered out: ${JSON.stringify(plan)}`);
});

// Lists filtered by search terms or a price range are planned with their values: PostgreSQL's
// generic plan for a search walked the whole primary key (bench/README.md). Planned so, they leave
// the database's fast path (named statements) for Kysely's.
for (const backend of backends) {
  test(`lists filtered by search or price are planned with their values, others are not (${backend})`, async (t) => {
    const database = await openDatabase(await freshDatabase(t, backend));
    t.after(() => database.close());
    await migrate(database);
    const { store, fastRuns } = recordingFastPath(database);
    const apple = await createItem(store, { product: 'Apple', price: 5 });
    await createItem(store, { product: 'Pear', price: 9 });
    fastRuns.length = 0;
    const ids = async (filter: Parameters<typeof listItems>[1]) =>
      (await listItems(store, filter)).map((item) => item.id);
    assert.deepEqual(await ids({ search: ['app'] }), [apple.id]);
    assert.deepEqual(await ids({ priceMax: 6 }), [apple.id]);
    assert.deepEqual(await ids({ priceMin: 1, priceMax: 6 }), [apple.id]);
    assert.deepEqual(fastRuns, [], 'search and price lists: planned with their values');
    assert.deepEqual(await ids({ product: 'Apple' }), [apple.id]);
    assert.deepEqual(await ids({}), [apple.id, apple.id + 1]);
    assert.equal(fastRuns.length, 2, '?product= and the bare list: the fast path');
  });
}

// SQLite rewrites the index entries of every column an update sets, even to the value it had; an
// edit of the price that sends the product unchanged leaves the product (and its index) out.
for (const backend of backends) {
  test(`an update leaves out a product it does not change where that saves index writes (${backend})`, async (t) => {
    const database = await openDatabase(await freshDatabase(t, backend));
    t.after(() => database.close());
    await migrate(database);
    const { store, fastRuns } = recordingFastPath(database);
    const item = await createItem(store, { product: 'Apple', price: 5 });
    const updates = () => fastRuns.filter((query) => query.sql.startsWith('update')).map((query) => query.sql);
    const setsProduct = (text: string) => /^update "items" set (.*?) where /.exec(text)?.[1]?.includes('"product"');
    const changes = async () =>
      (
        await sql<{ version: number; product: string; price: number }>`select version, product, price
          from item_changes where item_id = ${item.id} order by seq`.execute(database.db)
      ).rows.map((row) => [row.version, row.product, row.price]);

    fastRuns.length = 0;
    assert.deepEqual(await updateItem(store, item.id, { product: 'Apple', price: 6 }), {
      ...item,
      price: 6,
      version: 2,
    });
    const sqlite = backend === 'sqlite';
    assert.deepEqual(updates().map(setsProduct), [!sqlite], 'the price alone is set on SQLite');

    fastRuns.length = 0;
    assert.deepEqual(await updateItem(store, item.id, { product: 'Pear', price: 6 }), {
      ...item,
      product: 'Pear',
      price: 6,
      version: 3,
    });
    assert.deepEqual(updates().map(setsProduct), sqlite ? [false, true] : [true], 'a new product is set');

    assert.deepEqual(await updateItem(store, item.id, { product: 'Pear', price: 6 }), {
      ...item,
      product: 'Pear',
      price: 6,
      version: 3,
    });
    assert.equal(await updateItem(store, item.id, { product: 'Pear', price: 7 }, { expectedVersion: 2 }), STALE);
    assert.equal(await updateItem(store, item.id + 1, { product: 'Pear', price: 7 }), undefined);
    assert.deepEqual(await getItem(store, item.id), { ...item, product: 'Pear', price: 6, version: 3 });
    const search = await listItems(store, { search: ['pea'] });
    assert.deepEqual(
      search.map((row) => row.id),
      [item.id],
      "the product's search form follows it",
    );
    assert.deepEqual(await changes(), [
      [1, 'Apple', 5],
      [2, 'Apple', 6],
      [3, 'Pear', 6],
    ]);
  });
}
