import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { openDatabase } from '../../../src/db/database.js';
import { NamedStatement, RowShapes, type StatementResult } from '../../../src/db/pg-statement.js';
import { freshDatabase, postgresAvailable } from '../../helpers/backends.js';

// database.run on PostgreSQL runs each query as a named statement of its own (db/pg-statement.ts),
// not through pg's Query: the rows, their types, the counts and the errors must be what pg gives.

const skip = !postgresAvailable && 'PostgreSQL is not reachable';
const raw = (sql: string, parameters: unknown[] = []) => CompiledQuery.raw(sql, parameters);

test('rows with their types, nulls, counts of written rows, on every connection', { skip }, async (t) => {
  const database = await openDatabase(await freshDatabase(t, 'postgres'));
  t.after(() => database.close());
  await database.run(raw('create table t (id bigserial primary key, name text, price integer, at timestamptz)'));
  const at = new Date('2026-11-30T12:00:00.000Z');
  const inserted = await database.run(
    raw('insert into t (name, price, at) values ($1, $2, $3), ($4, $5, $6) returning id, name, price, at', [
      'a',
      1,
      at,
      null,
      null,
      null,
    ]),
  );
  assert.deepEqual(inserted.rows, [
    { id: 1, name: 'a', price: 1, at },
    { id: 2, name: null, price: null, at: null },
  ]);
  assert.equal(inserted.numAffectedRows, 2n);
  const updated = await database.run(raw('update t set price = price + 1 where price is not null'));
  assert.deepEqual(updated.rows, []);
  assert.equal(updated.numAffectedRows, 1n);
  assert.equal((await database.run(raw('delete from t where id = $1', [9]))).numAffectedRows, 0n);
  // The pool holds 4 connections: 12 reads at once prepare the statement on each of them.
  const reads = await Promise.all(
    Array.from({ length: 12 }, (_, i) => database.run(raw('select id, price from t where id = $1', [1 + (i % 2)]))),
  );
  reads.forEach((read, i) => {
    assert.deepEqual(read.rows, [i % 2 === 0 ? { id: 1, price: 2 } : { id: 2, price: null }]);
    assert.equal(read.numAffectedRows, 1n, 'SELECT 1');
  });
});

test('a statement whose columns change is read with its new columns', { skip }, async (t) => {
  const database = await openDatabase(await freshDatabase(t, 'postgres'));
  t.after(() => database.close());
  await database.run(raw('create table t (id integer)'));
  await database.run(raw('insert into t values (1)'));
  const all = raw('select * from t');
  assert.deepEqual((await database.run(all)).rows, [{ id: 1 }]);
  await database.run(raw('alter table t add column name text default $$x$$'));
  // A connection that prepared the statement before is told so by PostgreSQL; a new one is not.
  const after = await Promise.allSettled(Array.from({ length: 4 }, () => database.run(all)));
  const answered = after.filter((r) => r.status === 'fulfilled').map((r) => r.value.rows);
  assert.ok(answered.length > 0);
  for (const rows of answered) assert.deepEqual(rows, [{ id: 1, name: 'x' }]);
  for (const failed of after.filter((r) => r.status === 'rejected'))
    assert.match(String(failed.reason), /cached plan must not change result type/);
});

test('an error fails its query only: the connection answers the next one', { skip }, async (t) => {
  const database = await openDatabase(await freshDatabase(t, 'postgres'));
  t.after(() => database.close());
  for (let n = 0; n < 6; n++) {
    await assert.rejects(database.run(raw('select 1 / $1::int as x', [0])), /division by zero/);
    await assert.rejects(database.run(raw('select nothing from nowhere')), /does not exist/);
    await assert.rejects(
      database.run(
        raw('select $1::text as x', [
          {
            toPostgres: () => {
              throw new Error('cannot send this');
            },
          },
        ]),
      ),
      /cannot send this/,
    );
    assert.deepEqual((await database.run(raw('select $1::text as x', [`v${n}`]))).rows, [{ x: `v${n}` }]);
    assert.deepEqual((await database.run(raw('select $1::int as x', [n]))).rows, [{ x: n }]);
  }
});

test('a value its parser refuses fails the run when the server is done, without throwing into pg', () => {
  const answers: Array<[Error | undefined, Array<StatementResult<unknown>> | undefined]> = [];
  const refusing = new RowShapes(
    () => (value) => {
      if (value === 'bad') throw new Error('cannot parse bad');
      return Number(value);
    },
    8,
  );
  const statement = new NamedStatement('s', 'select x from t', [[]], refusing, (error, result) =>
    answers.push([error, result]),
  );
  statement.handleRowDescription({ fields: [{ name: 'x', dataTypeID: 23, format: 'text' }] });
  statement.handleDataRow({ fields: ['1'] });
  assert.doesNotThrow(() => statement.handleDataRow({ fields: ['bad'] }));
  statement.handleDataRow({ fields: ['3'] });
  statement.handleCommandComplete({ text: 'SELECT 3' });
  assert.equal(answers.length, 0, 'no answer before the server is ready for the next query');
  statement.handleReadyForQuery();
  assert.equal(answers.length, 1);
  assert.match(String(answers[0]?.[0]), /cannot parse bad/);
});

test('an error is answered once, though the server then says it is ready', () => {
  const answers: unknown[] = [];
  const statement = new NamedStatement('s', 'select 1', [[]], new RowShapes(() => Number, 8), (error) =>
    answers.push(error),
  );
  statement.handleError(new Error('relation does not exist'));
  statement.handleReadyForQuery();
  assert.equal(answers.length, 1);
  assert.match(String(answers[0]), /does not exist/);
});
