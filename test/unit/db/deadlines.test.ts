import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadlines } from '../../../src/db/deadlines.js';

test('a query past its deadline fails with a timeout, and its connection is marked broken', async () => {
  const guard = deadlines(50);
  let expired = 0;
  const started = performance.now();
  // A query that answers long after its deadline (its socket would keep the process alive meanwhile).
  const slow = new Promise((resolve) => setTimeout(resolve, 2000, 'late').unref());
  const keepAlive = setInterval(() => {}, 1000);
  await assert.rejects(
    guard.guard(slow, () => expired++),
    (error: Error & { code?: string }) => error.message === 'Database query timeout' && error.code === 'ETIMEDOUT',
  );
  assert.equal(expired, 1);
  assert.ok(performance.now() - started >= 50, 'not before its deadline');
  clearInterval(keepAlive);
  guard.stop();
});

test('a query within its deadline settles as it would unguarded, and never expires', async () => {
  const guard = deadlines(60_000);
  let expired = 0;
  assert.equal(await guard.guard(Promise.resolve(42), () => expired++), 42);
  await assert.rejects(
    guard.guard(Promise.reject(new Error('syntax')), () => expired++),
    /syntax/,
  );
  assert.equal(expired, 0);
  guard.stop();
});
