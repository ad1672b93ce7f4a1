import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../../../src/db/database.js';
import { freshDatabase, POSTGRES_ADMIN_URL, postgresAvailable } from '../../helpers/backends.js';
import { waitFor } from '../../helpers/wait.js';

// The PostgreSQL driver (db/postgres.ts) as a whole.

const skip = postgresAvailable ? false : 'PostgreSQL is not available';

test('close ends every connection, also when only run() and read() were used (postgres)', { skip }, async (t) => {
  const config = await freshDatabase(t, 'postgres');
  const database = await openDatabase(config);
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  t.after(() => admin.end());
  const name = new URL((config as { url: string }).url).pathname.slice(1);
  const connections = async () =>
    (await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]))
      .rows[0]?.n;

  await Promise.all([
    database.run(CompiledQuery.raw('select 1 as one')),
    database.read(CompiledQuery.raw('select 2 as two')),
    database.run(CompiledQuery.raw('select pg_sleep(0.05)')),
  ]);
  assert.ok(((await connections()) ?? 0) > 0, 'connected');
  await database.close();
  await waitFor(async () => (await connections()) === 0, 5_000, 'no connection left');
});
