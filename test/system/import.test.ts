import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { runImport } from '../../src/importer/run.js';
import { openSource } from '../../src/importer/source.js';
import { itemStore } from '../../src/items/repository/items.js';
import { itemDb } from '../../src/items/repository/tables.js';
import { createLogger } from '../../src/logging/logger.js';
import { migrate } from '../../src/migrations.js';
import {
  type Backend,
  backends,
  createPostgresDatabase,
  freshDatabase,
  postgresAvailable,
  tempDir,
} from '../helpers/backends.js';
import { call } from '../helpers/build.js';
import { compiledModule } from '../helpers/compiled.js';

// Issue 15: the cut-over importer, from the Django service's own database (test/fixtures) and from
// a PostgreSQL database made with the Django DDL, into either database.

const FIXTURE = new URL('../fixtures/django-items.sqlite3', import.meta.url).pathname;
const OPTIONS = { dryRun: false, skipInvalid: false, mirror: false, overwrite: false, batchSize: 50 };

interface Row {
  id: number;
  product: string;
  price: number;
}

/** A copy of the fixture (never the fixture itself), and its rows. */
function sourceCopy(t: TestContext) {
  const path = join(tempDir(t), 'django.sqlite3');
  copyFileSync(FIXTURE, path);
  const db = new SqliteDatabase(path);
  t.after(() => db.close());
  const rows = () => db.prepare('select id, product, price from myapi_item order by id').all() as Row[];
  return { spec: `sqlite:${path}`, db, rows };
}

async function target(t: TestContext, backend: Backend): Promise<Database> {
  const database = await openDatabase(await freshDatabase(t, backend));
  t.after(() => database.close());
  await migrate(database);
  return database;
}

async function importFrom(t: TestContext, spec: string, database: Database, options: Partial<typeof OPTIONS> = {}) {
  const source = await openSource(spec, 'myapi_item');
  t.after(() => source.close());
  try {
    return await runImport(source, itemStore(database), { ...OPTIONS, ...options });
  } finally {
    await source.close();
  }
}

const items = async (database: Database) =>
  (
    await itemDb(database).selectFrom('items').select(['id', 'product', 'price', 'version']).orderBy('id').execute()
  ).map((row) => ({ ...row, id: Number(row.id) }));

for (const backend of backends) {
  describe(`importing the Django database (into ${backend})`, () => {
    test('an invalid row stops the import: nothing is written, the row is listed', async (t) => {
      const { spec } = sourceCopy(t);
      const database = await target(t, backend);
      const report = await importFrom(t, spec, database);
      assert.match(String(report.refused), /1 row\(s\) break pricebook's rules/);
      assert.deepEqual(report.problems, [
        { id: 4, field: 'price', value: 2147483648, why: 'Ensure this value is less than or equal to 2147483647.' },
      ]);
      assert.deepEqual(await items(database), []);
    });

    test('--skip-invalid imports every valid row as it is, with its id; the next id is past the old sequence', async (t) => {
      const { spec, rows } = sourceCopy(t);
      const database = await target(t, backend);
      const report = await importFrom(t, spec, database, { skipInvalid: true });
      assert.equal(report.refused, undefined);
      assert.deepEqual(report.counts, { imported: 376, updated: 0, unchanged: 0, skipped: 1, deleted: 0 });
      const valid = rows().filter((row) => row.id !== 4);
      assert.deepEqual(
        (await items(database)).map(({ id, product, price }) => ({ id, product, price })),
        valid,
      );
      assert.deepEqual(report.verification?.source, report.verification?.target);
      assert.equal(report.verification?.source.count, 376);

      // The API answers exactly the old service's valid rows, and hands out ids past 400.
      const served = await serveOn(t, database);
      assert.deepEqual(served.list, valid);
      assert.equal(served.created.id, 401, 'ids 398-400 were handed out by the old service: never again');
    });

    test('a re-run changes nothing; rows changed in the source are updated with a new version; deletions are reported, removed with --mirror', async (t) => {
      const { spec, db } = sourceCopy(t);
      const database = await target(t, backend);
      await importFrom(t, spec, database, { skipInvalid: true });
      const again = await importFrom(t, spec, database, { skipInvalid: true });
      assert.deepEqual(again.counts, { imported: 0, updated: 0, unchanged: 376, skipped: 1, deleted: 0 });
      assert.equal((await items(database)).length, 376, 'nothing duplicated');

      db.prepare("update myapi_item set product = 'Renamed', price = 7 where id = 10").run();
      db.prepare('delete from myapi_item where id in (11, 12)').run();
      db.prepare("insert into myapi_item (product, price) values ('Brand new', 3)").run();
      const changed = await importFrom(t, spec, database, { skipInvalid: true });
      assert.deepEqual(changed.counts, { imported: 1, updated: 1, unchanged: 373, skipped: 1, deleted: 0 });
      assert.deepEqual(changed.goneFromSource, [11, 12]);
      const held = await items(database);
      assert.deepEqual(
        held.find((item) => item.id === 10),
        { id: 10, product: 'Renamed', price: 7, version: 2 },
      );
      assert.ok(
        held.some((item) => item.id === 11),
        'a row deleted in the source is kept without --mirror',
      );
      assert.deepEqual(
        held.find((item) => item.id === 401),
        { id: 401, product: 'Brand new', price: 3, version: 1 },
      );

      const mirrored = await importFrom(t, spec, database, { skipInvalid: true, mirror: true });
      assert.equal(mirrored.counts.deleted, 2);
      assert.deepEqual(mirrored.goneFromSource, [11, 12]);
      assert.ok(!(await items(database)).some((item) => item.id === 11 || item.id === 12));
      const quiet = await importFrom(t, spec, database, { skipInvalid: true, mirror: true });
      assert.deepEqual(quiet.goneFromSource, [], 'deleted ones are forgotten');
    });

    test('--dry-run writes nothing and says what it would do', async (t) => {
      const { spec } = sourceCopy(t);
      const database = await target(t, backend);
      const report = await importFrom(t, spec, database, { skipInvalid: true, dryRun: true });
      assert.deepEqual(report.counts, { imported: 376, updated: 0, unchanged: 0, skipped: 1, deleted: 0 });
      assert.deepEqual(await items(database), []);
      assert.equal(report.verification?.target.count, 0);
    });

    test('items here with the same ids and other contents: refused, unless --overwrite', async (t) => {
      const { spec } = sourceCopy(t);
      const database = await target(t, backend);
      await itemDb(database)
        .insertInto('items')
        .values([
          { product: 'Mine', price: 1, product_search: 'mine' },
          { product: 'Also mine', price: 2, product_search: 'also mine' },
        ])
        .execute();
      const refused = await importFrom(t, spec, database, { skipInvalid: true });
      assert.match(String(refused.refused), /2 item\(s\) here differ/);
      assert.deepEqual(
        refused.conflicts.map((conflict) => conflict.id),
        [1, 2],
      );
      assert.equal((await items(database)).length, 2, 'nothing written');
      const overwritten = await importFrom(t, spec, database, { skipInvalid: true, overwrite: true });
      assert.equal(overwritten.counts.updated, 2);
      assert.equal((await items(database)).length, 376);
    });
  });
}

/** The API over the imported database: its list, and the item a create gets. */
async function serveOn(t: TestContext, database: Database) {
  const config = loadConfig({ LOG_LEVEL: 'silent', LOG_FILE: '' });
  const app = await buildApp(config, { database: { ...database, close: async () => {} }, log: createLogger(config) });
  t.after(() => app.close());
  const list = (await call(app, 'GET', '/api/items/')).json() as Row[];
  const created = (await call(app, 'POST', '/api/items/', { product: 'After', price: 1 })).json() as Row;
  return { list, created };
}

describe('importing from PostgreSQL (Django 5.2 on RDS)', {
  skip: !postgresAvailable && 'PostgreSQL is not reachable',
}, () => {
  test('rows the ORM stored past the API rules are listed; the next id is past the identity sequence', async (t) => {
    const source = await createPostgresDatabase();
    const client = new pg.Client({ connectionString: source.url });
    client.on('error', () => {});
    await client.connect();
    t.after(async () => {
      await client.end();
      await source.drop();
    });
    await client.query(
      'CREATE TABLE "myapi_item" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "product" varchar(20) NOT NULL, "price" integer NOT NULL)',
    );
    await client.query(
      "insert into myapi_item (product, price) select 'P' || i, i * 10 from generate_series(1, 120) i",
    );
    await client.query("insert into myapi_item (product, price) values ('   ', 5), (' padded ', 6)");
    await client.query('delete from myapi_item where id in (3, 120)');
    await client.query("select nextval(pg_get_serial_sequence('myapi_item', 'id')) from generate_series(1, 5)");
    for (const backend of backends) {
      const database = await target(t, backend);
      const refused = await importFrom(t, source.url, database);
      assert.deepEqual(
        refused.problems.map(({ id, field, why }) => [id, field, why]),
        [
          [121, 'product', 'This field may not be blank.'],
          [122, 'product', 'the API would store it changed (pricebook trims products)'],
        ],
      );
      const report = await importFrom(t, source.url, database, { skipInvalid: true });
      assert.deepEqual(report.counts, { imported: 118, updated: 0, unchanged: 0, skipped: 2, deleted: 0 });
      assert.deepEqual(report.verification?.source, report.verification?.target);
      const { created } = await serveOn(t, database);
      assert.equal(created.id, 128, 'the identity handed out 122 rows and 5 more values: the next is 128');
    }
  });
});

/** Runs the importer as operators do; its exit code, standard output and standard error. */
async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const command = await compiledModule('import.js');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [command, ...args], {
      env: { ...process.env, LOG_FILE: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

describe('the import command', () => {
  test('imports and verifies, with one summary line', async (t) => {
    const { spec } = sourceCopy(t);
    const env = { DATABASE_URL: `sqlite:${join(tempDir(t), 'db.sqlite3')}` };
    const { code, out } = await runCli([spec, '--skip-invalid'], env);
    assert.equal(code, 0, out);
    assert.match(out, /^imported 376, updated 0, unchanged 0, skipped 1, deleted 0 \(from sqlite:/m);
    assert.match(
      out,
      /^verify: source 376 valid rows, checksum (\w+); target 376 items with those ids, checksum \1: they match$/m,
    );
    assert.match(out, /^ {2}id 4: price 2147483648: Ensure this value is less than or equal to 2147483647\.$/m);
    const refused = await runCli([spec], env);
    assert.equal(refused.code, 1, 'an invalid row without --skip-invalid');
  });

  test('bad input is one plain line and a non-zero exit, never a stack trace', async (t) => {
    const dir = tempDir(t);
    const notSqlite = join(dir, 'text.sqlite3');
    writeFileSync(notSqlite, 'not a database at all, just text');
    const env = { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}` };
    for (const [args, line] of [
      [[`sqlite:${join(dir, 'missing.sqlite3')}`], /: no such file$/],
      [[`sqlite:${notSqlite}`], /: file is not a database \(is it a SQLite database\?\)$/],
      [[`sqlite:${FIXTURE}`, '--table', 'nope'], /: no table "nope"$/],
      [
        [`sqlite:${FIXTURE}`, '--table', 'auth_user'],
        /: table "auth_user" has the columns .*, not id, product, price$/,
      ],
      [['postgres://someone:s3cret@127.0.0.1:1/django'], /^postgres:\/\/127\.0\.0\.1:1\/django: cannot connect/],
      [['mysql://x'], /^SOURCE must be sqlite:PATH or a postgres:\/\/ URL$/],
    ] as const) {
      const { code, out, err } = await runCli([...args], env);
      assert.equal(code, 1, `${args.join(' ')}: ${err}`);
      assert.equal(out, '');
      assert.equal(err.trim().split('\n').length, 1, err);
      assert.match(err.trim(), line);
      assert.doesNotMatch(err, /\n\s+at |s3cret/);
    }
    const usage = await runCli([], env);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /^give exactly one SOURCE\nUsage: npm run import/);
  });
});
