import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POSTGRES_ADMIN_URL, postgresAvailable } from '../helpers/backends.js';

// The one place that says whether the PostgreSQL half of the suite runs. In CI it must
// (.ci/run sets REQUIRE_POSTGRES=1); on a developer's machine without PostgreSQL it is skipped.
test('PostgreSQL is reachable for the PostgreSQL half of the suite', (t) => {
  if (!postgresAvailable && process.env.REQUIRE_POSTGRES !== '1') {
    t.skip(`PostgreSQL not reachable at ${POSTGRES_ADMIN_URL}: the PostgreSQL half of every API test is skipped`);
    return;
  }
  assert.equal(postgresAvailable, true, `PostgreSQL must be reachable at ${POSTGRES_ADMIN_URL}`);
});
