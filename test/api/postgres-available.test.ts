import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import pg from 'pg';
import { dropLeftDatabases, POSTGRES_ADMIN_URL, postgresAvailable, testDatabaseName } from '../helpers/backends.js';

// The one place that says whether the PostgreSQL half of the suite runs. In CI it must
// (.ci/run sets REQUIRE_POSTGRES=1); on a developer's machine without PostgreSQL it is skipped.
test('PostgreSQL is reachable for the PostgreSQL half of the suite', (t) => {
  if (!postgresAvailable && process.env.REQUIRE_POSTGRES !== '1') {
    t.skip(`PostgreSQL not reachable at ${POSTGRES_ADMIN_URL}: the PostgreSQL half of every API test is skipped`);
    return;
  }
  assert.equal(postgresAvailable, true, `PostgreSQL must be reachable at ${POSTGRES_ADMIN_URL}`);
});

async function adminQuery(text: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return (await client.query<{ datname: string }>(text)).rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

test('a test database that a killed run left behind is dropped by the next; one a running process uses is kept', async (t) => {
  if (!postgresAvailable) return t.skip('PostgreSQL not reachable');
  const { pid: exited } = spawnSync(process.execPath, ['-e', '']);
  assert.ok(exited, 'a process that has exited');
  const left = testDatabaseName(exited);
  const inUse = testDatabaseName();
  t.after(() =>
    adminQuery(`drop database if exists ${left}`).then(() => adminQuery(`drop database if exists ${inUse}`)),
  );
  await adminQuery(`create database ${left}`);
  await adminQuery(`create database ${inUse}`);

  const dropped = await dropLeftDatabases();

  assert.ok(dropped.includes(left), `${left} dropped`);
  assert.ok(!dropped.includes(inUse), `${inUse} kept`);
  const names = await adminQuery('select datname from pg_database');
  assert.ok(!names.includes(left));
  assert.ok(names.includes(inUse));
});
