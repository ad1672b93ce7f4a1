import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely } from 'kysely';
import { GroupCommitSqliteDialect } from '../../src/db/sqlite-driver.js';

interface Tables {
  t: { id: number; v: string };
}

/**
 * A Kysely over the group-commit driver, and a second, plain connection to the same file.
 * `tokenReads()` counts the driver's reads of data_version.
 */
function open(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'pricebook-driver-'));
  const path = join(dir, 'db.sqlite3');
  const sqlite = new SqliteDatabase(path);
  let tokenReads = 0;
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    const statement = prepare(source);
    if (source !== 'pragma data_version') return statement;
    const get = statement.get.bind(statement);
    statement.get = (...parameters: unknown[]) => {
      tokenReads++;
      return get(...parameters);
    };
    return statement;
  }) as typeof sqlite.prepare;
  sqlite.pragma('journal_mode = WAL');
  // No checkpoints, so the write-ahead log only grows: its size counts what was committed.
  sqlite.pragma('wal_autocheckpoint = 0');
  sqlite.exec('create table t (id integer primary key, v text not null)');
  const dialect = new GroupCommitSqliteDialect(sqlite);
  const db = new Kysely<Tables>({ dialect });
  const other = new SqliteDatabase(path);
  t.after(async () => {
    other.close();
    await db.destroy().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  // Each commit appends the pages it changed to the log (after its 32-byte header): a frame of
  // 24 bytes + one page each.
  const frameSize = 24 + (sqlite.pragma('page_size', { simple: true }) as number);
  const frames = () => (statSync(`${path}-wal`).size - 32) / frameSize;
  const rows = () => other.prepare('select id, v from t order by id').all();
  return { db, dialect, frames, rows, path, tokenReads: () => tokenReads };
}

describe('SQLite group commit driver', () => {
  test('writes made in the same turn share one commit; each resolves once it is durable', async (t) => {
    const { db, frames, rows } = open(t);
    const before = frames();
    const writes = Array.from({ length: 10 }, (_, i) =>
      db
        .insertInto('t')
        .values({ id: i + 1, v: `v${i + 1}` })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    const first = await writes[0];
    assert.equal(rows().length, 10, 'resolved only after the commit: another connection sees every row');
    assert.deepEqual(first, { id: 1 });
    assert.deepEqual(
      (await Promise.all(writes)).map((row) => row.id),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    assert.equal(frames() - before, 1, 'one commit of the one page for ten writes');

    const sequential = frames();
    for (let i = 11; i <= 13; i++) await db.insertInto('t').values({ id: i, v: 'x' }).execute();
    assert.equal(frames() - sequential, 3, 'writes in separate turns commit separately');
  });

  test('a failing write in a group is rejected alone; the others commit', async (t) => {
    const { db, rows } = open(t);
    await db.insertInto('t').values({ id: 1, v: 'first' }).execute();
    const results = await Promise.allSettled([
      db.insertInto('t').values({ id: 2, v: 'a' }).execute(),
      db.insertInto('t').values({ id: 1, v: 'duplicate' }).execute(),
      db.updateTable('t').set({ v: 'changed' }).where('id', '=', 1).executeTakeFirst(),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
    assert.equal((results[2] as PromiseFulfilledResult<{ numUpdatedRows: bigint }>).value.numUpdatedRows, 1n);
    assert.deepEqual(rows(), [
      { id: 1, v: 'changed' },
      { id: 2, v: 'a' },
    ]);
  });

  test('a transaction has the connection to itself: others wait, and see nothing uncommitted', async (t) => {
    const { db, rows } = open(t);
    const order: string[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('t').values({ id: 1, v: 'in transaction' }).execute();
        await held;
        order.push('transaction');
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    await new Promise((resolve) => setImmediate(resolve));
    const outside = db
      .insertInto('t')
      .values({ id: 2, v: 'outside' })
      .execute()
      .then(() => order.push('write'));
    const read = db
      .selectFrom('t')
      .selectAll()
      .execute()
      .then((found) => {
        order.push('read');
        return found;
      });
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, [], 'nothing ran while the transaction was open');
    release();
    assert.equal(await transaction, 'roll back');
    await outside;
    assert.deepEqual(await read, [], 'the read saw neither the rolled-back row nor a later one');
    assert.deepEqual(order, ['transaction', 'read', 'write']);
    assert.deepEqual(rows(), [{ id: 2, v: 'outside' }]);
  });

  test('a committed transaction keeps its rows; destroy commits writes still queued', async (t) => {
    const { db, rows } = open(t);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1, v: 'one' }).execute();
      await trx.insertInto('t').values({ id: 2, v: 'two' }).execute();
    });
    const queued = db.insertInto('t').values({ id: 3, v: 'three' }).execute();
    await db.destroy();
    await queued;
    assert.deepEqual(
      rows().map((row) => (row as { id: number }).id),
      [1, 2, 3],
    );
  });

  test('run() reads at once, writes in the group commit, and waits for a transaction to end', async (t) => {
    const { db, dialect, frames, rows } = open(t);
    await db.insertInto('t').values({ id: 1, v: 'one' }).execute();
    const read = (id: number) => dialect.run(CompiledQuery.raw('select v from t where id = ?', [id]));
    assert.deepEqual((await read(1)).rows, [{ v: 'one' }]);

    const before = frames();
    const writes = await Promise.all([
      dialect.run(CompiledQuery.raw("insert into t (id, v) values (2, 'two') returning id", [])),
      dialect.run(CompiledQuery.raw("insert into t (id, v) values (3, 'three')", [])),
    ]);
    assert.deepEqual(writes[0].rows, [{ id: 2 }]);
    assert.equal(writes[1].numAffectedRows, 1n);
    assert.equal(frames() - before, 1, 'both writes, RETURNING included, shared one commit');
    assert.equal(rows().length, 3, 'committed before they resolved');

    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = db.transaction().execute(async (trx) => {
      await trx.updateTable('t').set({ v: 'uncommitted' }).where('id', '=', 1).execute();
      await held;
    });
    await new Promise((resolve) => setImmediate(resolve));
    let answered = false;
    const waiting = read(1).then((result) => {
      answered = true;
      return result;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, 'a read waits: it would see "uncommitted" before the commit');
    release();
    await transaction;
    assert.deepEqual((await waiting).rows, [{ v: 'uncommitted' }]);
  });

  test('the change token changes with every write run here and every commit by another connection', async (t) => {
    const { db, dialect, path } = open(t);
    const first = await dialect.changeToken();
    assert.equal(await dialect.changeToken(), first, 'nothing written: the same token');
    await db.insertInto('t').values({ id: 1, v: 'one' }).execute();
    const afterInsert = await dialect.changeToken();
    assert.notEqual(afterInsert, first, 'a write through Kysely');
    await dialect.run(CompiledQuery.raw("update t set v = 'x' where id = 1", []));
    const afterRun = await dialect.changeToken();
    assert.notEqual(afterRun, afterInsert, 'a write through run()');
    const other = new SqliteDatabase(path);
    other.prepare("insert into t (id, v) values (2, 'other')").run();
    other.close();
    assert.notEqual(await dialect.changeToken(), afterRun, 'a commit by another connection (or process)');
  });

  test('the callers of one turn share a token that is never older than their calls', async (t) => {
    const { dialect, path, tokenReads } = open(t);
    const before = await dialect.changeToken();
    const readsBefore = tokenReads();
    const first = dialect.changeToken();
    const other = new SqliteDatabase(path);
    other.prepare("insert into t (id, v) values (1, 'other')").run();
    other.close();
    const second = dialect.changeToken();
    assert.equal(await first, await second, 'asked in one turn: one token');
    assert.equal(tokenReads() - readsBefore, 1, 'read once for both');
    assert.notEqual(await first, before, 'read after both asked: the commit between the calls is in it');
    assert.equal(await dialect.changeToken(), await second, 'nothing since: the same token');
  });

  test('select queries stream row by row; other statements cannot', async (t) => {
    const { db } = open(t);
    await db
      .insertInto('t')
      .values([
        { id: 1, v: 'a' },
        { id: 2, v: 'b' },
      ])
      .execute();
    const streamed: unknown[] = [];
    for await (const row of db.selectFrom('t').select('v').orderBy('id').stream()) streamed.push(row);
    assert.deepEqual(streamed, [{ v: 'a' }, { v: 'b' }]);
    await assert.rejects(async () => {
      for await (const _ of db.deleteFrom('t').stream()) break;
    }, /only SELECT/);
  });
});
