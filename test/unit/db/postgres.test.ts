import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../../../src/db/database.js';
import { freshDatabase, POSTGRES_ADMIN_URL, postgresAvailable } from '../../helpers/backends.js';
import { eventually, waitFor } from '../../helpers/wait.js';

// The PostgreSQL driver (db/postgres.ts) as a whole.

const skip = postgresAvailable ? false : 'PostgreSQL is not available';

/** A fresh database, opened, and an admin connection that watches its backends. */
async function watched(t: TestContext) {
  const config = await freshDatabase(t, 'postgres');
  const database = await openDatabase(config);
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  t.after(() => admin.end());
  const name = new URL((config as { url: string }).url).pathname.slice(1);
  const connections = async () =>
    (await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]))
      .rows[0]?.n;
  /** The backends whose last statement read the change token. */
  const tokenBackends = async () =>
    (
      await admin.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = $1 and query = 'select pg_current_snapshot()::text'`,
        [name],
      )
    ).rows.map((row) => row.pid);
  return { database, admin, connections, tokenBackends };
}

test('close ends every connection, also when only run() and read() were used (postgres)', { skip }, async (t) => {
  const { database, connections } = await watched(t);

  await Promise.all([
    database.run(CompiledQuery.raw('select 1 as one')),
    database.read(CompiledQuery.raw('select 2 as two')),
    database.run(CompiledQuery.raw('select pg_sleep(0.05)')),
  ]);
  assert.ok(((await connections()) ?? 0) > 0, 'connected');
  await database.close();
  await waitFor(async () => (await connections()) === 0, 5_000, 'no connection left');
});

test('the change token is read on a connection of its own, connected again once lost (postgres)', {
  skip,
}, async (t) => {
  const { database, admin, tokenBackends } = await watched(t);
  t.after(() => database.close());
  await database.run(CompiledQuery.raw('create table notes (note text)'));

  const before = await database.changeToken();
  await Promise.all([database.changeToken(), database.changeToken(), database.changeToken()]);
  const [reader, ...others] = await tokenBackends();
  assert.equal(typeof reader, 'number');
  assert.deepEqual(others, [], 'one connection reads the token');
  await database.run(CompiledQuery.raw("insert into notes values ('a write')"));
  assert.notEqual(await database.changeToken(), before, 'a write on the pool changes the token');

  await admin.query('select pg_terminate_backend($1)', [reader]);
  // A read racing the termination may fail; the next connects again.
  await eventually(async () => assert.equal(typeof (await database.changeToken()), 'string'));
  const [replacement, ...more] = await tokenBackends();
  assert.deepEqual(more, []);
  assert.notEqual(replacement, reader, 'a new connection');
});
