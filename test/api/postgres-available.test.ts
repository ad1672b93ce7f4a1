import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import {
  admin,
  dropLeftDatabases,
  POSTGRES_ADMIN_URL,
  postgresAvailable,
  testDatabaseName,
} from '../helpers/backends.js';

// The one place that says whether the PostgreSQL half of the suite runs. In CI it must
// (.ci/run sets REQUIRE_POSTGRES=1); on a developer's machine without PostgreSQL it is skipped.
test('PostgreSQL is reachable for the PostgreSQL half of the suite', (t) => {
  if (!postgresAvailable && process.env.REQUIRE_POSTGRES !== '1') {
    t.skip(`PostgreSQL not reachable at ${POSTGRES_ADMIN_URL}: the PostgreSQL half of every API test is skipped`);
    return;
  }
  assert.equal(postgresAvailable, true, `PostgreSQL must be reachable at ${POSTGRES_ADMIN_URL}`);
});

const adminRun = (text: string) => admin((client) => client.query(text));

test('a test database that a killed run left behind is dropped by the next; one a running process uses is kept', async (t) => {
  if (!postgresAvailable) return t.skip('PostgreSQL not reachable');
  const { pid: exited } = spawnSync(process.execPath, ['-e', '']);
  assert.ok(exited, 'a process that has exited');
  const left = testDatabaseName(exited);
  const inUse = testDatabaseName();
  t.after(() => adminRun(`drop database if exists ${left}`).then(() => adminRun(`drop database if exists ${inUse}`)));
  await adminRun(`create database ${left}`);
  await adminRun(`create database ${inUse}`);

  const dropped = await dropLeftDatabases();

  assert.ok(dropped.includes(left), `${left} dropped`);
  assert.ok(!dropped.includes(inUse), `${inUse} kept`);
  const { rows } = await admin((client) => client.query<{ datname: string }>('select datname from pg_database'));
  const names = rows.map((row) => row.datname);
  assert.ok(!names.includes(left));
  assert.ok(names.includes(inUse));
});
