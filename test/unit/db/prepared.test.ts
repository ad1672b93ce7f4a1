import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Kysely, type KyselyPlugin, sql } from 'kysely';
import { openDatabase } from '../../../src/db/database.js';
import { inTransaction, prepared, type QueryRunner } from '../../../src/db/prepared.js';
import { tempDir } from '../../helpers/backends.js';

interface Tables {
  t: { id: number; v: string; n: number };
}

/** A SQLite database with one table, and a runner whose Kysely counts how often a query is built. */
async function open(t: import('node:test').TestContext) {
  const database = await openDatabase({ kind: 'sqlite', path: join(tempDir(t), 'db.sqlite3') });
  t.after(() => database.close());
  await sql`create table t (id integer primary key, v text not null, n integer not null)`.execute(database.db);
  const counter = { builds: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      counter.builds++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const runner: QueryRunner = { db: database.db.withPlugin(plugin), kind: database.kind, run: database.run };
  const db = database.db as unknown as Kysely<Tables>;
  return { database, db, runner, counter };
}

/** The test table's Kysely, as a prepared query's builder gets the database's. */
const typed = (db: Kysely<unknown>) => db as unknown as Kysely<Tables>;

type Shape = { withV: boolean; terms: number };
type Params = { id: number; v: string } & Record<`term${number}`, number>;

const query = prepared<Shape, Params, Tables['t']>((db, shape, p) => {
  let q = typed(db).selectFrom('t').selectAll().where('id', '>=', p.id);
  if (shape.withV) q = q.where('v', '=', p.v);
  for (let i = 0; i < shape.terms; i++) q = q.where('n', '!=', p[`term${i}`] as number);
  return q.orderBy('id').limit(10);
});

test('a prepared query is built once per shape and fills its parameters by name', async (t) => {
  const { db, runner, counter } = await open(t);
  await db
    .insertInto('t')
    .values([
      { id: 1, v: 'a', n: 1 },
      { id: 2, v: 'b', n: 2 },
      { id: 3, v: 'a', n: 3 },
    ])
    .execute();
  const ids = async (shape: Shape, params: Params) => (await query(runner, shape, params)).rows.map((row) => row.id);
  assert.deepEqual(await ids({ withV: false, terms: 0 }, { id: 2, v: 'ignored' }), [2, 3]);
  assert.deepEqual(await ids({ withV: false, terms: 0 }, { id: 1, v: 'ignored' }), [1, 2, 3]);
  assert.equal(counter.builds, 1, 'the second run of a shape builds nothing');
  assert.deepEqual(await ids({ withV: true, terms: 0 }, { id: 1, v: 'a' }), [1, 3]);
  assert.deepEqual(await ids({ withV: true, terms: 1 }, { id: 1, v: 'a', term0: 3 }), [1]);
  assert.deepEqual(await ids({ withV: true, terms: 1 }, { id: 1, v: 'a', term0: 1 }), [3]);
  assert.equal(counter.builds, 3, 'one build per shape');
});

test('it runs in a transaction through the transaction, and sees its uncommitted rows', async (t) => {
  const { database, db } = await open(t);
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('t').values({ id: 7, v: 'x', n: 0 }).execute();
    const { rows } = await query(inTransaction(trx, database.kind), { withV: false, terms: 0 }, { id: 7, v: '' });
    assert.deepEqual(rows, [{ id: 7, v: 'x', n: 0 }]);
  });
});

test('a parameter used in an expression is refused, not compiled into the SQL', async (t) => {
  const { runner } = await open(t);
  const misuse = prepared<null, { v: string }, unknown>((db, _shape, p) =>
    typed(db).selectFrom('t').selectAll().where('v', 'like', `%${p.v}%`),
  );
  await assert.rejects(() => misuse(runner, null, { v: 'a' }), /parameter "v" used in an expression/);
});

test('constants of a query stay in it; at most maxShapes shapes are kept', async (t) => {
  const { db, runner, counter } = await open(t);
  await db.insertInto('t').values({ id: 1, v: 'const', n: 5 }).execute();
  const limited = prepared<number, { id: number }, Tables['t']>(
    (db, shape, p) =>
      typed(db).selectFrom('t').selectAll().where('v', '=', 'const').where('n', '>', shape).where('id', '=', p.id),
    String,
    { maxShapes: 2 },
  );
  for (const shape of [0, 1, 2]) assert.equal((await limited(runner, shape, { id: 1 })).rows.length, 1);
  const before = counter.builds;
  await limited(runner, 2, { id: 1 });
  assert.equal(counter.builds, before, 'a kept shape');
  await limited(runner, 0, { id: 1 });
  assert.equal(counter.builds, before + 1, 'the oldest shape went out');
});

test('a query that fails is not kept: the next run builds it again', async (t) => {
  const { runner, counter } = await open(t);
  const failing = prepared<null, { id: number }, unknown>((db, _shape, p) =>
    typed(db)
      .selectFrom('no_such_table' as 't')
      .selectAll()
      .where('id', '=', p.id),
  );
  await assert.rejects(() => failing(runner, null, { id: 1 }), /no such table/);
  await assert.rejects(() => failing(runner, null, { id: 1 }), /no such table/);
  assert.equal(counter.builds, 2);
});

test("a shape planned with its values runs through the runner's Kysely, not its fast path", async (t) => {
  const { db, runner } = await open(t);
  await db.insertInto('t').values({ id: 1, v: 'a', n: 5 }).execute();
  const fastRuns: string[] = [];
  const counted: QueryRunner = {
    ...runner,
    run: (compiled) => {
      fastRuns.push(compiled.sql);
      return runner.run(compiled);
    },
  };
  const byV = prepared<{ planned: boolean }, { v: string }, Tables['t']>(
    (db, _shape, p) => typed(db).selectFrom('t').selectAll().where('v', '=', p.v),
    (shape) => String(shape.planned),
    { planEachRun: (shape) => shape.planned },
  );
  for (let run = 0; run < 2; run++) {
    assert.deepEqual((await byV(counted, { planned: true }, { v: 'a' })).rows, [{ id: 1, v: 'a', n: 5 }]);
  }
  assert.deepEqual(fastRuns, [], 'planned with its values: never the fast path, also once kept');
  assert.deepEqual((await byV(counted, { planned: false }, { v: 'a' })).rows, [{ id: 1, v: 'a', n: 5 }]);
  assert.equal(fastRuns.length, 1, 'any other shape: the fast path');
});
